import {existsSync} from 'node:fs';
import path from 'node:path';
import {InputError} from '../common/input-error.js';

/*
How a kernel is named and asked for, apart from loadKernel so that the readers it calls
(vmlinux.ts) can use it without importing their caller.
*/

export type KernelSpec = {label: string | undefined; source: string};

export type LoadKernelOptions = {
	/** Called before slow steps (decompressing a kernel image), for a progress line. */
	onProgress?: (message: string) => void;
	/** Root of the file system for release lookups (tests). */
	root?: string;
};

/** `-k [LABEL=]SOURCE`: a label is a short word before `=`; paths may contain `=` too. */
export function parseKernelSpec(text: string): KernelSpec {
	const match = /^([\w.+:-]+)=(.+)$/.exec(text);
	if (match && !existsSync(text)) {
		return {label: match[1], source: match[2]!};
	}

	if (text === '') {
		throw new InputError(undefined, 'empty --kernel value');
	}

	return {label: undefined, source: text};
}

/** `…/debian-6.1.0-50-amd64/Module.symvers.gz` → `debian-6.1.0-50-amd64`. */
export function labelFromPath(file: string): string {
	const base = path.basename(path.resolve(file));
	if (/^(Module\.)?symvers(\.\w+)?$/.test(base) || /^vmlinu[xz]$/.test(base)) {
		return path.basename(path.dirname(path.resolve(file)));
	}

	return base.replace(/\.(gz|xz|zst)$/, '');
}
