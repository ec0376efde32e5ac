import {copyFileSync} from 'node:fs';
import path from 'node:path';
import test, {type ExecutionContext} from 'ava';
import {loadBtf} from '../../source/btf/load-btf.js';
import {btfGraph} from '../../source/typediff/btf-graph.js';
import {groupByBtf, groupBySymtypes, type Grouping} from '../../source/typediff/group-causes.js';
import {explainSymtypes} from '../../source/typediff/explain-symtypes.js';
import {genksymsCrc} from '../../source/symtypes/genksyms-crc.js';
import {loadSymtypes} from '../../source/symtypes/load-symtypes.js';
import {mergeSymtypes, parseSymtypes} from '../../source/symtypes/read-symtypes.js';
import type {SymtypesIndex} from '../../source/symtypes/symtypes-index.js';
import {readGzipText, temporaryDirectory, writeTemporary} from '../helpers/derive.js';
import {headers47, headers56, needs} from '../helpers/oracles.js';
import {fixture} from '../helpers/paths.js';
import {changedFor, definitions, referenceSymtypes} from '../helpers/symtypes-reference.js';

const headers = {47: headers47, 56: headers56};
const tarballs = {47: fixture('kernel-source/linux-source-6.1.170-3.tar.xz'), 56: fixture('kernel-source/linux-source-6.1.192-2.tar.xz')};
const integration = needs('headers', 'kbuild');
const files = ['drivers/char/misc.c', 'kernel/kthread.c', 'mm/slab_common.c', 'fs/debugfs/inode.c'];
// SUSE's `ksymtypes consolidate` of the same four units (test/fixtures/symtypes/consolidated/README.md).
const consolidated = (release: 47 | 56) => fixture(`symtypes/consolidated/four-units-${release}.symtypes.gz`);

/** The exports whose CRC differs between the two kernels' Module.symvers, read with a plain split. */
function changedExports(): string[] {
	const read = (release: string) => new Map(readGzipText(fixture(`kernels/${release}/Module.symvers.gz`)).split('\n').map(line => line.split('\t')).map(fields => [fields[1]!, fields[0]!]));
	const [before, after] = [read('6.1.0-47-amd64'), read('6.1.0-56-amd64')];
	return [...before].filter(([name, crc]) => after.has(name) && after.get(name) !== crc).map(([name]) => name);
}

/** The four files' symtypes per kernel, each made by kbuild by hand (the reference recipe); once for all tests of this file. */
let made: Record<47 | 56, Map<string, string>> | undefined;
function fourUnits(t: ExecutionContext): Record<47 | 56, Map<string, string>> {
	if (!made) {
		const texts = {47: new Map<string, string>(), 56: new Map<string, string>()};
		for (const release of [47, 56] as const) {
			for (const file of files) {
				texts[release].set(file, referenceSymtypes(t, tarballs[release], headers[release], file));
			}
		}

		made = texts;
	}

	return made;
}

const tree = (texts: Map<string, string>, release: number) => mergeSymtypes(`tree-${release}`, files.map(file => parseSymtypes(texts.get(file)!, file)));

/**
Every changed export of the four files lands in the groups of exactly the definitions a plain diff
of its file's two symtypes shows (test/helpers/symtypes-reference.ts changedFor): what `kmodx why`
names for it (issue 24: one engine for both).
*/
function checkAgainstReference(t: ExecutionContext, texts: Record<47 | 56, Map<string, string>>, grouping: Grouping, changed: string[]) {
	t.is(grouping.method, 'symtypes');
	const byExport = new Map<string, string[]>();
	for (const group of grouping.groups) {
		for (const name of group.exports) {
			byExport.set(name, [...byExport.get(name) ?? [], group.type]);
		}
	}

	let checked = 0;
	for (const file of files) {
		const [before, after] = [definitions(texts[47].get(file)!), definitions(texts[56].get(file)!)];
		for (const name of changed.filter(symbol => after.has(symbol) && before.has(symbol))) {
			checked++;
			t.deepEqual([...new Set(byExport.get(name) ?? [])].sort(), changedFor(before, after, name), name);
		}
	}

	t.true(checked >= 20, `${checked} exports of the four files changed CRC`);
	// Groups come largest first; exports no file here defines are counted as not described.
	t.true(grouping.groups.every((group, index) => index === 0 || grouping.groups[index - 1]!.exports.length >= group.exports.length));
	t.is(grouping.notDescribed.length, changed.length - checked);
	const task = grouping.groups.find(group => group.type === 'struct task_struct')!;
	t.deepEqual(task.change.added.map(item => item.name), ['user_dumpable', 'kstack_offset']);
}

integration('from symtypes trees: every changed export lands in the groups of exactly the changes a plain diff of its file\'s symtypes shows', t => {
	const texts = fourUnits(t);
	const changed = changedExports();
	checkAgainstReference(t, texts, groupBySymtypes(tree(texts[47], 47), tree(texts[56], 56), changed), changed);
});

integration('from consolidated files (SUSE ksymtypes consolidate): the same groups as from the tree', async t => {
	const texts = fourUnits(t);
	const changed = changedExports();
	const [before, after] = await Promise.all([loadSymtypes(consolidated(47)), loadSymtypes(consolidated(56))]);
	t.deepEqual(before.scopes.map(scope => scope.name), files.map(file => file.replace(/\.c$/, '.symtypes')).sort());
	const grouping = groupBySymtypes(before, after, changed);
	checkAgainstReference(t, texts, grouping, changed);
	t.deepEqual(grouping, groupBySymtypes(tree(texts[47], 47), tree(texts[56], 56), changed));
});

integration('from a mix: a consolidated file beside per-file symtypes, and a tree against a consolidated file', async t => {
	const texts = fourUnits(t);
	const changed = changedExports();
	// 56 as one directory: two units as kbuild wrote them, found before the consolidated file
	// (sorted walk, first definition of an export wins), the other two from its sections.
	const directory = temporaryDirectory(t);
	for (const file of ['drivers/char/misc.c', 'kernel/kthread.c']) {
		writeTemporary(directory, file.replace(/\.c$/, '.symtypes'), Buffer.from(texts[56].get(file)!, 'latin1'));
	}

	copyFileSync(consolidated(56), path.join(directory, 'z-consolidated.symtypes.gz'));
	const mixed: SymtypesIndex = await loadSymtypes(directory);
	t.is(mixed.exports.get('misc_register')!.name, path.join(directory, 'drivers/char/misc.symtypes'));
	t.is(mixed.exports.get('kmalloc_trace')!.name, 'mm/slab_common.symtypes');
	const fromTree = groupBySymtypes(tree(texts[47], 47), tree(texts[56], 56), changed);
	checkAgainstReference(t, texts, groupBySymtypes(tree(texts[47], 47), mixed, changed), changed);
	const fromMix = groupBySymtypes(await loadSymtypes(consolidated(47)), tree(texts[56], 56), changed);
	checkAgainstReference(t, texts, fromMix, changed);
	t.deepEqual(fromMix, fromTree);
});

test('a struct that became defined is one cause, not all its definition pulls in; `why` names the same for every export (security/security.c)', t => {
	// genksyms's own output for security/security.c of both kernels (fixture README): 6.1.0-47
	// only declares struct sock there, 6.1.0-56 defines it.
	const read = (release: 47 | 56) => readGzipText(fixture(`symtypes/security/security-6.1.0-${release}-amd64.symtypes.gz`));
	const texts = {47: read(47), 56: read(56)};
	const [before, after] = [parseSymtypes(texts[47], 'security-47.symtypes'), parseSymtypes(texts[56], 'security-56.symtypes')];
	const symvers = (release: string) => new Map(readGzipText(fixture(`kernels/${release}/Module.symvers.gz`)).split('\n').map(line => line.split('\t')).map(fields => [fields[1]!, Number(fields[0])]));
	const crcs = {47: symvers('6.1.0-47-amd64'), 56: symvers('6.1.0-56-amd64')};
	// Genuine: every export's recomputed CRC is the kernel's own.
	for (const [release, index] of [[47, before], [56, after]] as const) {
		for (const symbol of index.exports.keys()) {
			t.is(genksymsCrc(index, symbol), crcs[release].get(symbol)! >>> 0, `${symbol} in ${release}`);
		}
	}

	const changed = changedExports().filter(symbol => before.exports.has(symbol) && after.exports.has(symbol));
	t.true(changed.length >= 40, `${changed.length} exports of security.c changed CRC`);
	const grouping = groupBySymtypes(before, after, changed);
	const causes = (symbol: string) => grouping.groups.filter(group => group.exports.includes(symbol));
	t.deepEqual(causes('security_sk_clone').map(group => [group.type, group.change.kind]), [['struct sock', 'became_defined']]);
	const [old, current] = [definitions(texts[47]), definitions(texts[56])];
	for (const symbol of changed) {
		const reference = changedFor(old, current, symbol);
		t.deepEqual([...new Set(causes(symbol).map(group => group.type))].sort(), reference, symbol);
		const explanation = explainSymtypes({symbol, from: {label: '47', index: before, kernelCrc: crcs[47].get(symbol)}, to: {label: '56', index: after, kernelCrc: crcs[56].get(symbol)}});
		t.true(explanation.verified, symbol);
		t.deepEqual([...new Set(explanation.changes.map(change => change.type))].sort(), reference, `why ${symbol}`);
	}
});

test('from BTF: changed exports under the type changes they reach in the kernels\' type graphs', async t => {
	// The BTF fixtures hold what module_layout, misc_register and kmalloc_trace reach, of both kernels.
	const [before, after] = await Promise.all(['47', '56'].map(async release => btfGraph(await loadBtf(fixture(`btf/debian-6.1.0-${release}-amd64.btf.gz`), {cache: false}))));
	const grouping = groupByBtf(before!, after!, ['module_layout', 'misc_register', 'kmalloc_trace', 'kmalloc_caches']);
	t.is(grouping.method, 'btf');
	const group = (type: string) => grouping.groups.find(candidate => candidate.type === type);
	// The six causes genksyms saw for module_layout (corpus README), each reached by all three functions.
	for (const type of ['struct task_struct', 'struct mm_struct', 'struct user_struct', 'struct key', 'struct keyring_index_key', 'struct key_tag']) {
		t.deepEqual(group(type)?.exports.sort(), ['kmalloc_trace', 'misc_register', 'module_layout'], type);
	}

	t.deepEqual(group('struct task_struct')!.change.added.map(item => item.name), ['user_dumpable', 'kstack_offset']);
	t.deepEqual(group('struct mm_struct')!.change.added.map(item => item.name), ['(anonymous).futex_unique_id']);
	// A global variable BTF does not describe is said to be so, not grouped.
	t.deepEqual(grouping.notDescribed, ['kmalloc_caches']);
	t.deepEqual(grouping.unexplained, []);
});

test('from BTF: an export whose own prototype changed has that as a cause, not "reaches no changed type"', async t => {
	// Both sides from the same real BTF, but misc_register's declaration on the right is edited as
	// a return-type change would leave it (`int` → `bool`): nothing else differs.
	const [before, after] = await Promise.all(['47', '47'].map(async release => btfGraph(await loadBtf(fixture(`btf/debian-6.1.0-${release}-amd64.btf.gz`), {cache: false}))));
	const declared = before!.declarations.get('misc_register')!;
	t.regex(declared, /^int misc_register\(struct miscdevice \*/);
	after!.declarations.set('misc_register', declared.replace(/^int /, 'bool '));
	const grouping = groupByBtf(before!, after!, ['misc_register', 'kmalloc_trace']);
	t.deepEqual(grouping.groups.map(group => group.type), ['misc_register (its own declaration)']);
	t.deepEqual(grouping.groups[0]!.change.changed, [{name: 'misc_register', before: declared, after: declared.replace(/^int /, 'bool ')}]);
	t.deepEqual(grouping.unexplained, ['kmalloc_trace']);
});
