import test from 'ava';
import {terminalSafe} from '../../source/common/terminal-text.js';
import {firstUnsafe} from '../helpers/controls.js';
import {readGzipText, temporaryDirectory} from '../helpers/derive.js';
import {hostileSymvers, symversSymbol} from '../helpers/hostile.js';
import {headings, markdownDefects, parseMarkdown, tables} from '../helpers/markdown.js';
import {fixture} from '../helpers/paths.js';
import {runCli} from '../helpers/run-cli.js';

/*
The kernel diff of Debian 6.1.0-47 → 56 read as sections (removed, export type/namespace/module,
CRC, added), each headed with its count, rows aligned in columns; checked against the two
Module.symvers files split here by hand, not read by kmodx.
*/

const symvers = (release: string) => fixture(`kernels/6.1.0-${release}-amd64/Module.symvers.gz`);
const kernels = ['-k', `47=${symvers('47')}`, '-k', `56=${symvers('56')}`];

type Entry = {crc: string; module: string; type: string; namespace: string};

/** Module.symvers (≥ 5.6 columns: crc, name, module, export type, namespace), first line of a name wins. */
function entries(release: string): Map<string, Entry> {
	const map = new Map<string, Entry>();
	for (const line of readGzipText(symvers(release)).split('\n')) {
		const [crc, name, module, type, namespace] = line.split('\t');
		if (name && !map.has(name)) {
			map.set(name, {crc: crc!.toLowerCase(), module: module!, type: type!, namespace: namespace ?? ''});
		}
	}

	return map;
}

/** What each section must hold: a row goes where its most serious change puts it. */
function reference(): Record<'removed' | 'types' | 'crc' | 'added', string[]> {
	const [before, after] = [entries('47'), entries('56')];
	const both = [...before.keys()].filter(name => after.has(name));
	const types = both.filter(name => {
		const [a, b] = [before.get(name)!, after.get(name)!];
		return a.type !== b.type || a.namespace !== b.namespace || a.module !== b.module;
	});
	return {
		removed: [...before.keys()].filter(name => !after.has(name)).sort(),
		types: types.sort(),
		crc: both.filter(name => !types.includes(name) && Number(before.get(name)!.crc) !== Number(after.get(name)!.crc)).sort(),
		added: [...after.keys()].filter(name => !before.has(name)).sort(),
	};
}

const titles = ['Removed exports', 'Export type, namespace and module changes', 'CRC changes', 'Added exports'];
const count = (value: number) => value.toLocaleString('en-US');

/** The text's sections: title, the count its heading gives, and its row lines (indented, starting with a name). */
function textSections(text: string): Array<{title: string; count: number; rows: string[]}> {
	const sections: Array<{title: string; count: number; rows: string[]}> = [];
	for (const line of text.split('\n')) {
		const heading = /^([A-Z][^(]*) \(([\d,]+)\):?$/.exec(line);
		if (heading) {
			sections.push({title: heading[1]!, count: Number(heading[2]!.replaceAll(',', '')), rows: []});
		} else if (sections.length > 0 && /^ {2,4}[\w.]+ +(?:0x[\da-f]{8}|—) → /.test(line)) {
			sections.at(-1)!.rows.push(line);
		}
	}

	return sections;
}

test('text: removed, type/namespace, CRC, added, in that order, each with its count and exactly its exports, columns aligned', t => {
	const expected = reference();
	t.deepEqual([expected.removed.length, expected.types.length, expected.crc.length, expected.added.length], [19, 0, 18_254, 84]);
	const result = runCli(kernels);
	t.is(result.code, 1, result.stderr);
	const sections = textSections(result.stdout);
	t.deepEqual(sections.map(section => section.title), titles);
	for (const [index, key] of (['removed', 'types', 'crc', 'added'] as const).entries()) {
		const section = sections[index]!;
		t.is(section.count, expected[key].length, section.title);
		t.deepEqual(section.rows.map(row => row.trim().split(/\s+/)[0]).sort(), expected[key], section.title);
		// Every row's CRC column starts at the same place (names here are shorter than the name column).
		t.is(new Set(section.rows.map(row => /^ *\S+ +/.exec(row)![0].length)).size, section.rows.length > 0 ? 1 : 0, section.title);
	}

	// The removed exports come before the first CRC line, the added after the last.
	const lines = result.stdout.split('\n');
	t.true(lines.findIndex(line => line.includes('__skb_get_hash ')) < lines.findIndex(line => line.includes('module_layout ')));
	t.true(lines.findLastIndex(line => line.includes('vsock_check_source ')) > lines.findLastIndex(line => line.includes(' 0x160c03af → 0x9060323f')));
});

test('text grouped by cause (symtypes of version.c): module_layout under its causes, every CRC change still listed once', t => {
	const types = ['--types', `47=${fixture('symtypes/debian-6.1.0-47-amd64.version.symtypes.gz')}`, '--types', `56=${fixture('symtypes/debian-6.1.0-56-amd64.version.symtypes.gz')}`];
	const result = runCli([...kernels, ...types]);
	const sections = textSections(result.stdout);
	t.deepEqual(sections.map(section => section.title), titles);
	const crc = sections[2]!;
	t.deepEqual(crc.rows.map(row => row.trim().split(/\s+/)[0]).sort(), reference().crc);
	t.regex(result.stdout, /\n {2}1 export changed by 6 types: struct key, struct key_tag, struct keyring_index_key, struct mm_struct, struct task_struct, struct user_struct:\n {4}module_layout /);
});

test('Markdown: the same sections as headings with their counts, tables as long as the sections, parsed intact', t => {
	const expected = reference();
	const markdown = runCli([...kernels, '--format', 'markdown']).stdout;
	const tree = parseMarkdown(markdown);
	t.deepEqual(markdownDefects(tree), []);
	const counts = [expected.removed, expected.types, expected.crc, expected.added].map(list => list.length);
	t.deepEqual(headings(tree, 2), titles.map((title, index) => `${title} (${count(counts[index]!)})`));
	// One table per non-empty section, its symbols exactly the section's exports.
	const bodies = tables(tree).map(rows => rows.slice(1).map(row => row[0]!).sort());
	t.deepEqual(bodies, [expected.removed, expected.crc, expected.added]);
});

test('hostile names in a Module.symvers (OSC, CSI, HTML module column, OSC 8 namespace) leave the Markdown diff intact and the text free of controls', t => {
	const directory = temporaryDirectory(t);
	const hostile = ['-k', `47=${hostileSymvers(directory)}`, '-k', `56=${symvers('56')}`];
	const tree = parseMarkdown(runCli([...hostile, '--format', 'markdown']).stdout);
	t.deepEqual(markdownDefects(tree), []);
	t.deepEqual(headings(tree, 2).map(heading => heading.replace(/ \(.*/, '')), titles);
	// kthread_stop renamed with ESC and CSI: removed under its escaped name, the real one added.
	t.true(tables(tree)[0]!.some(row => row[0] === terminalSafe(symversSymbol)));
	const text = runCli(hostile).stdout;
	t.is(firstUnsafe(text), undefined);
});
