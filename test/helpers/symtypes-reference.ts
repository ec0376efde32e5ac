import {copyFileSync, mkdirSync, readdirSync, readFileSync, writeFileSync} from 'node:fs';
import {execFileSync} from 'node:child_process';
import path from 'node:path';
import zlib from 'node:zlib';
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

/**
What a plain diff of two symtypes shows, limited to what `symbol` reaches (references contain
'#'): the definitions it reaches on both sides whose text differs, and those it reaches on one
side only — except behind a struct that went from `{ UNKNOWN }` to a definition or back (that one
line is the change, not all its new definition names). `oneSided: false`: the definitions on both
sides only, what the kernel diff's grouping by cause still lists (issue 24: one engine for both).
*/
export function changedFor(before: Map<string, string>, after: Map<string, string>, symbol: string, {oneSided = true} = {}): string[] {
	const unknown = (text: string | undefined) => text !== undefined && text.includes('{ UNKNOWN }');
	const flipped = (key: string) => before.has(key) && after.has(key) && unknown(before.get(key)) !== unknown(after.get(key));
	const reached = (side: Map<string, string>, stopAtFlipped: boolean) => {
		const seen = new Set([symbol]);
		const queue = [symbol];
		while (queue.length > 0) {
			const key = queue.shift()!;
			if (stopAtFlipped && key !== symbol && flipped(key)) {
				continue;
			}

			for (const token of (side.get(key) ?? '').split(' ')) {
				if (token.includes('#') && !seen.has(token) && side.has(token)) {
					seen.add(token);
					queue.push(token);
				}
			}
		}

		return seen;
	};

	const [allBefore, allAfter] = [reached(before, false), reached(after, false)];
	const changed = [...allAfter].filter(key => allBefore.has(key) && before.get(key) !== after.get(key));
	const oneSidedOf = (side: Map<string, string>, other: Set<string>) => [...reached(side, true)].filter(key => key !== symbol && !other.has(key) && !unknown(side.get(key)));
	const named = (key: string) => key.replace(/^s#/, 'struct ').replace(/^u#/, 'union ').replace(/^e#/, 'enum ').replace(/^[tE]#/, '');
	const sides = oneSided ? [...oneSidedOf(after, allBefore), ...oneSidedOf(before, allAfter)] : [];
	return [...new Set([...changed, ...sides].map(named))].sort();
}

/**
genksyms's CRC of `symbol`, written from its description (docs kernel-facts §4 and genksyms.c's
expand_and_crc_sym), not from kmodx's code: the expansion string, each t#/E# reference expanded
the first time and named after, each s#/u#/e# reference expanded the first time and `struct foo`
after, an undefined one `struct foo { UNKNOWN }`; zlib's crc32 over it.
*/
export function referenceCrc(definitions: Map<string, string>, symbol: string): number {
	const expanded = new Set<string>();
	const words: string[] = [];
	const kinds: Record<string, string> = {s: 'struct', u: 'union', e: 'enum'};
	const expand = (key: string) => {
		// genksyms writes `extern` before a definition it saw declared extern, and does not hash it.
		for (const token of (definitions.get(key) ?? '').replace(/^extern /, '').split(' ').filter(Boolean)) {
			const reference = /^([stueE])#(.+)$/.exec(token);
			if (!reference) {
				words.push(token);
			} else if (expanded.has(token)) {
				words.push(...(reference[1] === 't' || reference[1] === 'E' ? [reference[2]!] : [kinds[reference[1]!]!, reference[2]!]));
			} else {
				expanded.add(token);
				if (definitions.has(token)) {
					expand(token);
				} else if (reference[1] === 't' || reference[1] === 'E') {
					words.push(reference[2]!);
				} else {
					words.push(kinds[reference[1]!]!, reference[2]!, '{', 'UNKNOWN', '}');
				}
			}
		}
	};

	expand(symbol);
	return zlib.crc32(Buffer.from(words.map(word => `${word} `).join(''), 'latin1')) >>> 0;
}
