import {readdirSync, statSync} from 'node:fs';
import path from 'node:path';
import {describeFsError} from '../common/fs-errors.js';
import {InputError} from '../common/input-error.js';

const moduleFile = /\.ko(\.(gz|xz|zst))?$/;

/** PATH arguments: module files as given, directories searched recursively for `*.ko[.gz|.xz|.zst]`. */
export function findModules(paths: string[]): string[] {
	const files: string[] = [];
	for (const given of paths) {
		let stats;
		try {
			stats = statSync(given);
		} catch (error) {
			throw new InputError(given, describeFsError(error));
		}

		if (stats.isDirectory()) {
			const found = walk(given);
			if (found.length === 0) {
				throw new InputError(given, 'no kernel modules (*.ko, *.ko.gz, *.ko.xz, *.ko.zst) in this directory');
			}

			files.push(...found);
		} else {
			files.push(given);
		}
	}

	return files;
}

function walk(directory: string): string[] {
	const found: string[] = [];
	// Byte order, like `sort` in the C locale: stable across machines, and far cheaper than localeCompare.
	let entries;
	try {
		entries = readdirSync(directory, {withFileTypes: true}).sort((a, b) => (a.name < b.name ? -1 : (a.name > b.name ? 1 : 0)));
	} catch (error) {
		// A subdirectory we may not read is bad input like any other: one line, not a stack trace.
		throw new InputError(directory, describeFsError(error));
	}

	for (const entry of entries) {
		const full = path.join(directory, entry.name);
		if (entry.isDirectory()) {
			found.push(...walk(full));
		} else if (entry.isFile() && moduleFile.test(entry.name)) {
			found.push(full);
		}
	}

	return found;
}
