import {rmSync} from 'node:fs';
import {mkdir, mkdtemp, readFile, rm, writeFile} from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import {onExit} from '../common/exit-cleanup.js';
import {describeFsError} from '../common/fs-errors.js';
import {InputError} from '../common/input-error.js';
import {runMake, type MakeOptions} from './run-make.js';

/** kbuild ran but the preprocessor failed; `missing` names a header it could not find, and who included it. */
export class KbuildError extends InputError {
	constructor(file: string, problem: string, readonly missing?: {includer: string; name: string}) {
		super(file, problem);
	}
}

/** Files of one translation unit, laid out as in the kernel tree, and the object to make of them. */
export type KbuildUnit = {
	/** Tree-relative path → bytes. */
	files: ReadonlyMap<string, Uint8Array | string>;
	/** Tree-relative path of the `.c` or `.S` file whose symtypes are wanted. */
	source: string;
	/** obj-m (built with -DMODULE, as a module's objects are) instead of obj-y. */
	module: boolean;
	/** Lines added to the generated Kbuild (flags from the directory's Makefile); `rootPlaceholder` stands for the tree's root. */
	kbuildLines?: string[];
	rootPlaceholder?: string;
};

/**
The `.symtypes` kbuild writes for one translation unit, built as an external module against a
headers directory: `make M=<dir> KBUILD_SYMTYPES=1 <stem>.symtypes` runs only the preprocessor and
genksyms (a quarter of the time of building the object). The temporary tree is always removed.
*/
export async function kbuildSymtypes(headers: string, unit: KbuildUnit, options: MakeOptions & {signal?: AbortSignal}): Promise<string> {
	const root = await mkdtemp(path.join(os.tmpdir(), 'kmodx-kbuild-'));
	const forget = onExit(() => {
		rmSync(root, {recursive: true, force: true});
	});
	try {
		for (const [relative, data] of unit.files) {
			const target = path.join(root, relative);
			if (!target.startsWith(root + path.sep)) {
				throw new InputError(relative, 'a source path leaves the tree');
			}

			// eslint-disable-next-line no-await-in-loop
			await mkdir(path.dirname(target), {recursive: true});
			// eslint-disable-next-line no-await-in-loop
			await writeFile(target, data);
		}

		const directory = path.join(root, path.dirname(unit.source));
		const stem = path.basename(unit.source).replace(/\.[cS]$/, '');
		await mkdir(directory, {recursive: true});
		await writeFile(path.join(directory, 'Kbuild'), [`obj-${unit.module ? 'm' : 'y'} := ${stem}.o`, ...(unit.kbuildLines ?? []).map(line => (unit.rootPlaceholder ? line.replaceAll(unit.rootPlaceholder, root) : line))].join('\n') + '\n');
		const output = await runMake(headers, directory, `${stem}.symtypes`, options);
		// genksyms still writes what it saw before a preprocessor error, and make still exits 0:
		// such symtypes would be wrong without saying so.
		const errors = output.split('\n').filter(line => /:\d+:(\d+:)? (fatal )?error: /.test(line)).map(line => line.replaceAll(root + path.sep, ''));
		if (errors.length > 0) {
			const missing = /^(.+?):\d+:\d+: fatal error: (.+?): No such file or directory$/.exec(errors[0]!);
			throw new KbuildError(unit.source, `the preprocessor failed: ${errors[0]!}${errors.length > 1 ? ` (and ${errors.length - 1} more errors)` : ''}`, missing ? {includer: missing[1]!, name: missing[2]!} : undefined);
		}

		try {
			return await readFile(path.join(directory, `${stem}.symtypes`), 'latin1');
		} catch (error) {
			throw new InputError(headers, `kbuild wrote no ${stem}.symtypes (${describeFsError(error)}): the headers may lack CONFIG_MODVERSIONS`);
		}
	} finally {
		forget();
		await rm(root, {recursive: true, force: true});
	}
}
