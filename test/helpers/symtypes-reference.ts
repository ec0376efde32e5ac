import {copyFileSync, mkdirSync, readdirSync, readFileSync, writeFileSync} from 'node:fs';
import {execFileSync} from 'node:child_process';
import path from 'node:path';
import type {ExecutionContext} from 'ava';
import {temporaryDirectory} from './derive.js';

/*
References for symtypes made without kmodx: GNU tar and make do the recipe by hand, a plain
split reads the definitions, and a few lines find what a plain diff shows for one export.
*/

/** `file`'s symtypes: the .c and its directory's headers in an empty tree, `obj-y`, kbuild's `<stem>.symtypes`. */
export function referenceSymtypes(t: ExecutionContext, tarball: string, headers: string, file: string): string {
	const tree = temporaryDirectory(t);
	execFileSync('tar', ['-xJf', tarball, '-C', tree]);
	const root = path.join(tree, 'linux-source-6.1');
	const unit = temporaryDirectory(t);
	const directory = path.join(unit, path.dirname(file));
	mkdirSync(directory, {recursive: true});
	for (const name of readdirSync(path.join(root, path.dirname(file)))) {
		if (name.endsWith('.h') || name === path.basename(file)) {
			copyFileSync(path.join(root, path.dirname(file), name), path.join(directory, name));
		}
	}

	const stem = path.basename(file, '.c');
	writeFileSync(path.join(directory, 'Kbuild'), `obj-y := ${stem}.o\n`);
	execFileSync('make', ['-s', '-C', headers, `M=${directory}`, 'KBUILD_SYMTYPES=1', `${stem}.symtypes`], {stdio: 'pipe'});
	return readFileSync(path.join(directory, `${stem}.symtypes`), 'latin1');
}

/** Definitions by key, read with a plain split. */
export function definitions(text: string): Map<string, string> {
	return new Map(text.split('\n').filter(Boolean).map(line => {
		const [key, ...rest] = line.trim().split(/\s+/);
		return [key!, rest.join(' ')];
	}));
}

/** What a plain diff of two symtypes shows, limited to what `symbol` reaches (references contain '#'). */
export function changedFor(before: Map<string, string>, after: Map<string, string>, symbol: string): string[] {
	const seen = new Set([symbol]);
	const queue = [symbol];
	while (queue.length > 0) {
		for (const token of (after.get(queue.shift()!) ?? '').split(' ')) {
			if (token.includes('#') && !seen.has(token) && after.has(token)) {
				seen.add(token);
				queue.push(token);
			}
		}
	}

	const named = (key: string) => key.replace(/^s#/, 'struct ').replace(/^u#/, 'union ').replace(/^e#/, 'enum ').replace(/^[tE]#/, '');
	return [...seen].filter(key => before.has(key) && before.get(key) !== after.get(key)).map(named).sort();
}
