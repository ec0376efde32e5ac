import {existsSync, statSync} from 'node:fs';
import path from 'node:path';
import {describeFsError} from '../common/fs-errors.js';
import {InputError} from '../common/input-error.js';
import type {Kernel} from '../kernel/kernel.js';

/**
One `--types LABEL=PATH`: genksyms output (exact), a kernel source tarball or tree (exact, through
kbuild), or anything holding BTF (raw BTF, vmlinux, vmlinuz, a module's .ko).
*/
export type TypesInput = {label: string; path: string; kind: 'symtypes' | 'source' | 'btf'};

const tarballName = /\.(tar|tgz|tbz2?|txz|tzst)$|\.tar\.(gz|xz|zst|bz2)$/;
const symtypesName = /\.symtypes(\.(gz|xz|zst))?$/;

/** A directory holding a kernel source tree: Makefile, Kbuild and init/main.c together. */
export function isSourceTree(directory: string): boolean {
	return ['Makefile', 'Kbuild', 'init/main.c'].every(name => existsSync(path.join(directory, name)));
}

export function classifyTypesPath(file: string): TypesInput['kind'] {
	let info;
	try {
		info = statSync(file);
	} catch (error) {
		throw new InputError(file, describeFsError(error));
	}

	if (info.isDirectory()) {
		return isSourceTree(file) ? 'source' : 'symtypes';
	}

	// A FIFO or device would block or never end: type information is always a file.
	if (!info.isFile()) {
		throw new InputError(file, 'not a regular file or directory');
	}

	if (symtypesName.test(file)) {
		return 'symtypes';
	}

	return tarballName.test(file) ? 'source' : 'btf';
}

/** `--types LABEL=PATH` values by kernel label; a label may have several (source and BTF). */
export function parseTypesFlags(values: string[] | undefined, kernels: Kernel[]): Map<string, TypesInput[]> {
	const types = new Map<string, TypesInput[]>();
	for (const value of values ?? []) {
		const match = /^([^=]+)=(.+)$/.exec(value);
		if (!match) {
			throw new InputError(undefined, `--types ${value}: expected LABEL=PATH`);
		}

		const [, label, file] = match as unknown as [string, string, string];
		if (!kernels.some(kernel => kernel.label === label)) {
			throw new InputError(undefined, `--types ${value}: no kernel is labelled '${label}' (labels: ${kernels.map(k => k.label).join(', ')})`);
		}

		const input: TypesInput = {label, path: file, kind: classifyTypesPath(file)};
		types.set(label, [...(types.get(label) ?? []), input]);
	}

	return types;
}
