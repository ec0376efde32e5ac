import test from 'ava';
import {loadBtf} from '../../source/btf/load-btf.js';
import {btfGraph} from '../../source/typediff/btf-graph.js';
import {groupByBtf, groupBySymtypes} from '../../source/typediff/group-causes.js';
import {mergeSymtypes, parseSymtypes} from '../../source/symtypes/read-symtypes.js';
import {readGzipText} from '../helpers/derive.js';
import {headers47, headers56, needs} from '../helpers/oracles.js';
import {fixture} from '../helpers/paths.js';
import {changedFor, definitions, referenceSymtypes} from '../helpers/symtypes-reference.js';

const headers = {47: headers47, 56: headers56};
const tarballs = {47: fixture('kernel-source/linux-source-6.1.170-3.tar.xz'), 56: fixture('kernel-source/linux-source-6.1.192-2.tar.xz')};
const integration = needs('headers', 'kbuild');

/** The exports whose CRC differs between the two kernels' Module.symvers, read with a plain split. */
function changedExports(): string[] {
	const read = (release: string) => new Map(readGzipText(fixture(`kernels/${release}/Module.symvers.gz`)).split('\n').map(line => line.split('\t')).map(fields => [fields[1]!, fields[0]!]));
	const [before, after] = [read('6.1.0-47-amd64'), read('6.1.0-56-amd64')];
	return [...before].filter(([name, crc]) => after.has(name) && after.get(name) !== crc).map(([name]) => name);
}

integration('from symtypes trees: every changed export lands in the groups of exactly the changes a plain diff of its file\'s symtypes shows', t => {
	const files = ['drivers/char/misc.c', 'kernel/kthread.c', 'mm/slab_common.c', 'fs/debugfs/inode.c'];
	// A "tree" of four files per kernel, each made by kbuild by hand (the reference recipe).
	const texts = {47: new Map<string, string>(), 56: new Map<string, string>()};
	for (const release of [47, 56] as const) {
		for (const file of files) {
			texts[release].set(file, referenceSymtypes(t, tarballs[release], headers[release], file));
		}
	}

	const tree = (release: 47 | 56) => mergeSymtypes(`tree-${release}`, files.map(file => parseSymtypes(texts[release].get(file)!, file)));
	const changed = changedExports();
	const grouping = groupBySymtypes(tree(47), tree(56), changed);
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
			// The grouping lists definitions both kernels reach; `why` also those one side reaches
			// (issue 24: not yet one engine for both).
			t.deepEqual([...new Set(byExport.get(name) ?? [])].sort(), changedFor(before, after, name, {oneSided: false}), name);
		}
	}

	t.true(checked >= 20, `${checked} exports of the four files changed CRC`);
	// Groups come largest first; exports no file here defines are counted as not described.
	t.true(grouping.groups.every((group, index) => index === 0 || grouping.groups[index - 1]!.exports.length >= group.exports.length));
	t.is(grouping.notDescribed.length, changed.length - checked);
	const task = grouping.groups.find(group => group.type === 'struct task_struct')!;
	t.deepEqual(task.change.added.map(item => item.name), ['user_dumpable', 'kstack_offset']);
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
