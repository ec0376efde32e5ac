import {readdir, stat} from 'node:fs/promises';
import path from 'node:path';
import {describeFsError} from '../common/fs-errors.js';
import {InputError} from '../common/input-error.js';
import {readBounded} from '../common/read-bounded.js';
import {maybeDecompress} from '../compression/decompress.js';
import {mergeSymtypes, parseSymtypes, type DefinitionCount, type SharedDefinitions} from './read-symtypes.js';
import type {SymtypesIndex} from './symtypes-index.js';

const symtypesName = /\.symtypes(\.gz|\.xz|\.zst)?$/;
// Reading a kernel build tree means thousands of files: a few at a time keeps it fast and bounded.
const parallelReads = 16;

/**
A `.symtypes` file (plain, gzip, xz or zstd; per-object or consolidated), or a directory searched
recursively for them (a kernel or module build tree) merged into one index.
*/
export async function loadSymtypes(source: string): Promise<SymtypesIndex> {
	let info;
	try {
		info = await stat(source);
	} catch (error) {
		throw new InputError(source, describeFsError(error));
	}

	if (!info.isDirectory()) {
		return readSymtypesFile(source);
	}

	const files = await findSymtypesFiles(source);
	if (files.length === 0) {
		throw new InputError(source, 'no .symtypes files in this directory (build with make KBUILD_SYMTYPES=1)');
	}

	const indexes: SymtypesIndex[] = Array.from({length: files.length});
	const shared: SharedDefinitions = new Map();
	// The tree's distinct definitions count against one limit (read-symtypes.ts).
	const count: DefinitionCount = {definitions: 0};
	let next = 0;
	const worker = async () => {
		while (next < files.length) {
			const index = next++;
			// eslint-disable-next-line no-await-in-loop -- a worker reads one file at a time; several workers run side by side.
			indexes[index] = await readSymtypesFile(files[index]!, shared, count);
		}
	};

	await Promise.all(Array.from({length: Math.min(parallelReads, files.length)}, worker));
	return mergeSymtypes(source, indexes);
}

// A consolidated symtypes file of a whole SUSE kernel is about 100 MB; 512 MiB is none.
const maximumSymtypesSize = 512 * 1024 * 1024;

async function readSymtypesFile(file: string, shared?: SharedDefinitions, count?: DefinitionCount): Promise<SymtypesIndex> {
	let data = await readBounded(file, maximumSymtypesSize, 'a .symtypes file');
	({data} = await maybeDecompress(data, file));
	return parseSymtypes(data, file, {shared, count});
}

async function findSymtypesFiles(directory: string): Promise<string[]> {
	const found: string[] = [];
	const walk = async (folder: string) => {
		let entries;
		try {
			entries = await readdir(folder, {withFileTypes: true});
		} catch (error) {
			throw new InputError(folder, describeFsError(error));
		}

		// Sorted, so that "first definition wins" does not depend on the file system.
		entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
		for (const entry of entries) {
			const full = path.join(folder, entry.name);
			if (entry.isDirectory()) {
				await walk(full); // eslint-disable-line no-await-in-loop
			} else if (entry.isFile() && symtypesName.test(entry.name)) {
				found.push(full);
			}
		}
	};

	await walk(directory);
	return found;
}
