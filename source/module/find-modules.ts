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

			for (const file of found) {
				files.push(file);
			}
		} else {
			files.push(given);
		}
	}

	return files;
}

/** A file's identity: the same directory or module reached by two paths (symlinks, bind mounts) is one. */
const identity = (stats: {dev: number; ino: number}) => `${stats.dev}:${stats.ino}`;

function listDirectory(directory: string) {
	try {
		// Byte order, like `sort` in the C locale: stable across machines, and far cheaper than localeCompare.
		return readdirSync(directory, {withFileTypes: true}).sort((a, b) => (a.name < b.name ? -1 : (a.name > b.name ? 1 : 0)));
	} catch (error) {
		// A subdirectory we may not read is bad input like any other: one line, not a stack trace.
		throw new InputError(directory, describeFsError(error));
	}
}

/**
The modules under `root`, depth first in byte order, each once, named by the path under `root`
that reaches it first. Symbolic links are followed, to modules and to directories (RHEL's
weak-updates/ is all links into another kernel's tree); a directory already visited (a link
back to an ancestor, two links to one place) is not entered again, so loops end. Links that lead
nowhere are skipped. No recursion: the depth of the tree does not reach the stack.
*/
function walk(root: string): string[] {
	const found: string[] = [];
	const directories = new Set<string>([identity(statSync(root))]);
	const modules = new Set<string>();
	const stack = [{directory: root, entries: listDirectory(root), next: 0}];
	while (stack.length > 0) {
		const top = stack.at(-1)!;
		const entry = top.entries[top.next++];
		if (!entry) {
			stack.pop();
			continue;
		}

		const full = path.join(top.directory, entry.name);
		const wanted = entry.isDirectory() || entry.isSymbolicLink() || (entry.isFile() && moduleFile.test(entry.name));
		if (!wanted) {
			continue;
		}

		let stats;
		try {
			stats = statSync(full);
		} catch {
			continue; // A dangling link, or one we may not follow.
		}

		const id = identity(stats);
		if (stats.isDirectory()) {
			if (!directories.has(id)) {
				directories.add(id);
				stack.push({directory: full, entries: listDirectory(full), next: 0});
			}
		} else if (stats.isFile() && moduleFile.test(entry.name) && !modules.has(id)) {
			modules.add(id);
			found.push(full);
		}
	}

	return found;
}
