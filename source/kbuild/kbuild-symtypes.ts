import {rmSync} from 'node:fs';
import {mkdir, mkdtemp, readFile, rm, writeFile} from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import {onExit} from '../common/exit-cleanup.js';
import {describeFsError} from '../common/fs-errors.js';
import {InputError, UnsafeInputError} from '../common/input-error.js';
import {headersSourceTree} from './headers-dir.js';
import {flagArgument, isKbuildName, kbuildWord, type KbuildFlag} from './kbuild-word.js';
import {requireBuildTools, runMake, type MakeOptions} from './run-make.js';
import {commandFor, runSymtypesCommand, symtypesCommand} from './symtypes-command.js';

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
	/** Preprocessor flags from the directory's Makefiles, as data. */
	flags?: readonly KbuildFlag[];
	/**
	Tree-relative directories searched (-iquote) for `#include "…"` after the including file's
	own: the directories of installed headers that include a file of the tree by a relative path
	(include/trace's TRACE_INCLUDE_PATH `../../drivers/gpu/drm/scheduler`), so that the path,
	taken from the tree's copy of the directory, reaches the tree's file.
	*/
	quoteDirectories?: readonly string[];
};

/** A path kbuild gets from kmodx itself (the headers directory, the temporary tree): refused when make or the shell would read it as more than a path. */
function requireInert(directory: string, what: string): void {
	if (kbuildWord(directory) !== directory) {
		throw new InputError(directory, `${what}: its path holds characters make or the shell would interpret, so kbuild cannot be run there`);
	}
}

function requireKbuildName(source: string): void {
	if (!isKbuildName(source) || !/\.[cS]$/.test(source)) {
		throw new UnsafeInputError(source, 'refused: kbuild would read this file name as make or shell syntax (only letters, digits and _.,+- are passed on)');
	}
}

/**
The generated Kbuild of a unit: its object, and its flags, each one word that make and the
shell pass to the preprocessor unchanged (`roots` makes their paths absolute).
*/
export function kbuildFile(unit: Pick<KbuildUnit, 'source' | 'module' | 'flags' | 'quoteDirectories'>, roots: {tree: string; headers: string}): string {
	requireKbuildName(unit.source);
	const stem = path.posix.basename(unit.source).replace(/\.[cS]$/, '');
	const quoteFlags = (unit.quoteDirectories ?? []).map(directory => ({option: '-iquote', value: directory, base: 'tree'}) as const);
	const words = [...(unit.flags ?? []), ...quoteFlags].map(flag => {
		const argument = flagArgument(flag, roots);
		const word = kbuildWord(argument);
		if (word === undefined) {
			throw new UnsafeInputError(unit.source, `refused the flag ${JSON.stringify(argument)}: it holds characters make or the shell would interpret`);
		}

		return word;
	});
	const lines = [`obj-${unit.module ? 'm' : 'y'} := ${stem}.o`];
	if (words.length > 0) {
		lines.push(`ccflags-y += ${words.join(' ')}`, `asflags-y += ${words.join(' ')}`);
	}

	return lines.join('\n') + '\n';
}

export type SymtypesOptions = MakeOptions & {
	signal?: AbortSignal;
	/** Where kbuild's recorded command is cached (symtypes-command.ts). */
	cacheDir?: string;
	/** Always through make, never the recorded command (tests compare the two). */
	viaMake?: boolean;
	onProgress?: (message: string) => void;
};

/**
The `.symtypes` kbuild writes for one translation unit, built as an external module against a
headers directory: `make M=<dir> KBUILD_SYMTYPES=1 <stem>.symtypes` runs only the preprocessor and
genksyms (a quarter of the time of building the object); for a `.c` unit, kbuild's recorded
command for it runs instead, without make (symtypes-command.ts). Make, the compiler and their own
temporary files (TMPDIR) work inside kmodx's temporary directory, which is always removed, on
every exit path (signals too). Names and flags from an input are checked before anything runs.
*/
export async function kbuildSymtypes(headers: string, unit: KbuildUnit, options: SymtypesOptions): Promise<string> {
	requireKbuildName(unit.source);
	const headersPath = path.resolve(headers);
	requireInert(headersPath, 'the headers directory');
	const srctree = await headersSourceTree(headersPath);
	requireInert(srctree, 'the headers\' source tree');
	const root = await mkdtemp(path.join(os.tmpdir(), 'kmodx-kbuild-'));
	const forget = onExit(() => {
		rmSync(root, {recursive: true, force: true, maxRetries: 3, retryDelay: 50});
	});
	try {
		requireInert(root, 'the temporary directory (TMPDIR)');
		const temporary = path.join(root, '.tmp');
		await mkdir(temporary);
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

		for (const quoted of unit.quoteDirectories ?? []) {
			// The relative path is taken from this directory: it must exist, even empty.
			// eslint-disable-next-line no-await-in-loop
			await mkdir(path.join(root, quoted), {recursive: true});
		}

		const directory = path.join(root, path.dirname(unit.source));
		const stem = path.basename(unit.source).replace(/\.[cS]$/, '');
		await mkdir(directory, {recursive: true});
		await writeFile(path.join(directory, 'Kbuild'), kbuildFile(unit, {tree: root, headers: srctree}));
		const quoteFlags = (unit.quoteDirectories ?? []).map(quoted => ({option: '-iquote', value: quoted, base: 'tree'}) as const);
		const recorded = options.viaMake ? undefined : await symtypesCommand(headersPath, unit.module, options);
		const argv = recorded && commandFor(recorded, {root, source: unit.source, flags: [...(unit.flags ?? []), ...quoteFlags]}, srctree);
		let output: string;
		if (argv) {
			await requireBuildTools(headersPath, options.pathEnv ?? process.env['PATH'] ?? '');
			output = await runSymtypesCommand(headersPath, argv, path.join(directory, `${stem}.symtypes`), {...options, temporaryDirectory: temporary});
		} else {
			output = await runMake(headersPath, directory, `${stem}.symtypes`, {...options, temporaryDirectory: temporary});
		}

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
