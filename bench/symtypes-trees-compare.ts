import {readFileSync} from 'node:fs';
import path from 'node:path';
import {groupBySymtypes, type Grouping} from '../source/typediff/group-causes.js';
import {genksymsCrc} from '../source/symtypes/genksyms-crc.js';
import {loadSymtypes} from '../source/symtypes/load-symtypes.js';
import {mergeSymtypes} from '../source/symtypes/read-symtypes.js';
import type {SymtypesIndex} from '../source/symtypes/symtypes-index.js';
import {changedFor, definitions} from '../test/helpers/symtypes-reference.js';

/*
Issue 24's check on genuine symtypes trees (scripts/make-symtypes-trees.sh makes them):
`node symtypes-trees-compare.js crcs TREES`: the CRCs recomputed from each tree against the
  kernel's Module.symvers.
`node symtypes-trees-compare.js compare TREES [KSYMTYPES_OUTPUT]`: kmodx's grouping by cause from
  the trees, from the consolidated files and from a mix, each against the reference (a plain
  split of each unit's two files, test/helpers/symtypes-reference.ts changedFor) for every changed
  export; with ksymtypes's `compare` output (pretty format) also against that.
`node symtypes-trees-compare.js group BEFORE AFTER`: load two symtypes inputs and group the changed
  exports, nothing else (what /usr/bin/time measures beside `ksymtypes compare`).
*/

const headers = {47: '/usr/src/linux-headers-6.1.0-47-amd64', 56: '/usr/src/linux-headers-6.1.0-56-amd64'};

function symvers(release: 47 | 56): Map<string, number> {
	const text = readFileSync(path.join(headers[release], 'Module.symvers'), 'utf8');
	return new Map(text.split('\n').filter(Boolean).map(line => line.split('\t')).map(fields => [fields[1]!, Number(fields[0])]));
}

function changedExports(): string[] {
	const [before, after] = [symvers(47), symvers(56)];
	return [...before].filter(([name, crc]) => after.has(name) && after.get(name) !== crc).map(([name]) => name);
}

function byExport(grouping: Grouping): Map<string, string[]> {
	const causes = new Map<string, string[]>();
	for (const group of grouping.groups) {
		for (const name of group.exports) {
			causes.set(name, [...causes.get(name) ?? [], group.type]);
		}
	}

	return causes;
}

const [mode, ...rest] = process.argv.slice(2);
if (mode === 'crcs') {
	const trees = rest[0]!;
	for (const release of [47, 56] as const) {
		// eslint-disable-next-line no-await-in-loop -- one kernel after the other.
		const index = await loadSymtypes(path.join(trees, String(release)));
		const kernel = symvers(release);
		let same = 0;
		const different: string[] = [];
		for (const symbol of index.exports.keys()) {
			const crc = kernel.get(symbol);
			if (crc === undefined) {
				continue;
			}

			if (genksymsCrc(index, symbol) === crc >>> 0) {
				same++;
			} else {
				different.push(`${symbol} (${index.exports.get(symbol)!.name})`);
			}
		}

		process.stdout.write(`${release}: ${index.scopes.length} units, ${same}/${same + different.length} recomputed CRCs equal Module.symvers${different.length > 0 ? `; different: ${different.join(', ')}` : ''}\n`);
	}
} else if (mode === 'compare') {
	const [trees, ksymtypesOutput] = rest;
	const files = readFileSync(path.join(trees!, 'files.txt'), 'utf8').split('\n').filter(Boolean);
	const changed = changedExports();
	const changedSet = new Set(changed);
	// The reference: each unit's two files read with a plain split, the exports that changed CRC.
	const reference = new Map<string, string[]>();
	// ksymtypes names changed definitions both sides reach, not those one side alone reaches: compared with that part too.
	const bothSides = new Map<string, string[]>();
	for (const file of files) {
		const [before, after] = [47, 56].map(release => definitions(readFileSync(path.join(trees!, String(release), file), 'latin1')));
		for (const name of after!.keys()) {
			if (!name.includes('#') && before!.has(name) && changedSet.has(name) && !reference.has(name)) {
				reference.set(name, changedFor(before!, after!, name));
				bothSides.set(name, changedFor(before!, after!, name, {oneSided: false}));
			}
		}
	}

	const inputs = async (form: string): Promise<[SymtypesIndex, SymtypesIndex]> => {
		const tree = async (release: number) => loadSymtypes(path.join(trees!, String(release)));
		const consolidated = async (release: number) => loadSymtypes(path.join(trees!, `consolidated-${release}.symtypes`));
		if (form === 'tree') {
			return Promise.all([tree(47), tree(56)]);
		}

		if (form === 'consolidated') {
			return Promise.all([consolidated(47), consolidated(56)]);
		}

		// A mix: 47 as a tree, 56 as every other unit from the consolidated file, the rest from the tree.
		const half = await tree(56);
		const whole = await consolidated(56);
		const even = new Set(files.filter((_, index) => index % 2 === 0));
		const relative = (name: string) => path.relative(path.join(trees!, '56'), name);
		const scopes = [...whole.scopes.filter(scope => even.has(scope.name)), ...half.scopes.filter(scope => !even.has(relative(scope.name)))];
		const mixed = mergeSymtypes('mixed-56', [{source: 'mixed-56', scopes, exports: new Map()}]);
		return [await tree(47), mixed];
	};

	const summary: string[] = [];
	for (const form of ['tree', 'consolidated', 'mixed']) {
		// eslint-disable-next-line no-await-in-loop -- one form after the other.
		const [before, after] = await inputs(form);
		const causes = byExport(groupBySymtypes(before, after, changed));
		let equal = 0;
		const different: string[] = [];
		for (const [name, expected] of reference) {
			const found = [...new Set(causes.get(name) ?? [])].sort();
			if (found.join('\n') === expected.join('\n')) {
				equal++;
			} else {
				const extra = found.filter(type => !expected.includes(type));
				const missing = expected.filter(type => !found.includes(type));
				different.push(`${name}: extra [${extra.join(', ')}] missing [${missing.join(', ')}]`);
			}
		}

		summary.push(`${form}: ${equal}/${reference.size} changed exports have exactly the reference's causes`);
		process.stdout.write(`${summary.at(-1)!}\n${different.slice(0, 20).map(line => `  ${line}\n`).join('')}`);
	}

	if (ksymtypesOutput) {
		const theirs = ksymtypesCauses(readFileSync(ksymtypesOutput, 'utf8'));
		let equal = 0;
		let extraPairs = 0;
		const different: string[] = [];
		for (const [name, expected] of reference) {
			const found = [...theirs.get(name) ?? []].sort();
			if (found.join('\n') === expected.join('\n')) {
				equal++;
			} else {
				extraPairs += found.filter(type => !expected.includes(type)).length;
				different.push(`${name}: ksymtypes [${found.join(', ')}] reference [${expected.join(', ')}]`);
			}
		}

		const sameAsBothSides = [...bothSides].filter(([name, expected]) => [...theirs.get(name) ?? []].sort().join('\n') === expected.join('\n')).length;
		process.stdout.write(`ksymtypes compare: ${equal}/${reference.size} changed exports have exactly the reference's causes (${extraPairs} extra export–type pairs); ${sameAsBothSides}/${bothSides.size} the definitions both sides reach (oneSided: false)\n${different.slice(0, 5).map(line => `  ${line}\n`).join('')}`);
	}
} else if (mode === 'group') {
	const [before, after] = await Promise.all([loadSymtypes(rest[0]!), loadSymtypes(rest[1]!)]);
	const grouping = groupBySymtypes(before, after, changedExports());
	process.stdout.write(`${grouping.groups.length} causes, ${grouping.groups.reduce((sum, group) => sum + group.exports.length, 0)} export–cause pairs\n`);
} else {
	process.stderr.write('usage: symtypes-trees-compare.js crcs TREES | compare TREES [KSYMTYPES_OUTPUT] | group BEFORE AFTER\n');
	process.exitCode = 2;
}

/**
`ksymtypes compare` (pretty format): "The following N exports are different:\n name\n…\n\nbecause of
a changed 'KEY':" blocks; each export gets the KEYs of the blocks it is listed in, as display names.
*/
function ksymtypesCauses(text: string): Map<string, Set<string>> {
	const causes = new Map<string, Set<string>>();
	const named = (key: string) => key.replace(/^s#/, 'struct ').replace(/^u#/, 'union ').replace(/^e#/, 'enum ').replace(/^[tE]#/, '');
	let names: string[] = [];
	let collecting = false;
	for (const line of text.split('\n')) {
		if (/^The following '?\d+'? exports? (are|is) different:$/.test(line)) {
			names = [];
			collecting = true;
			continue;
		}

		const cause = /^because of a changed '(.+)':$/.exec(line);
		if (cause) {
			collecting = false;
			for (const name of names) {
				causes.set(name, (causes.get(name) ?? new Set()).add(named(cause[1]!)));
			}

			continue;
		}

		if (collecting && line.startsWith(' ')) {
			names.push(line.trim());
		}
	}

	return causes;
}
