import test from 'ava';
import {type Btf, parseBtf} from '../../source/btf/btf.js';
import {BtfKind} from '../../source/btf/btf-kind.js';
import {explainBtf} from '../../source/typediff/explain-btf.js';
import {type Explanation, type TypeChange} from '../../source/typediff/explanation.js';
import {formatExplanationText} from '../../source/views/explanation-text.js';
import {encodeBtf, StringTable} from '../helpers/btf-writer.js';
import {loadFixture} from '../btf/btf-fixtures.js';

const from = loadFixture('47');
const to = loadFixture('56');
const explain = (symbol: string, crcs: [string, string] = ['0x1', '0x2']) =>
	explainBtf({symbol, from: {label: '6.1.0-47', btf: from, crc: crcs[0]}, to: {label: '6.1.0-56', btf: to, crc: crcs[1]}});

const layout = explain('module_layout', ['0x160c03af', '0x9060323f']);
const find = (e: Explanation, type: string, member: string) => e.changes.find(c => c.type === type && c.member === member);

/** The six definitions genksyms's own inputs (corpus/symtypes/module_layout) show changed. */
export const genksymsTruth: Array<[string, string]> = [
	['struct task_struct', 'user_dumpable'],
	['struct task_struct', 'kstack_offset'],
	['struct mm_struct', '(anonymous).futex_unique_id'],
	['struct user_struct', 'perf_mlock'],
	['struct key', '(anonymous).(anonymous).type_id'],
	['struct key', '(anonymous).(anonymous).domain_id'],
	['struct keyring_index_key', 'type_id'],
	['struct keyring_index_key', 'domain_id'],
	['struct key_tag', 'index_id'],
];

test('module_layout 47 → 56 names every member genksyms saw added (recall 100%)', t => {
	t.is(layout.method, 'btf');
	t.deepEqual(layout.from, {kernel: '6.1.0-47', crc: '0x160c03af'});
	for (const [type, member] of genksymsTruth) {
		const change = find(layout, type, member);
		t.truthy(change, `${type} ${member}`);
		t.is(change?.kind, 'member_added');
	}

	t.is(find(layout, 'struct task_struct', 'user_dumpable')?.after, 'unsigned int user_dumpable:1');
	t.is(find(layout, 'struct task_struct', 'kstack_offset')?.after, 'u32 kstack_offset');
	t.is(find(layout, 'struct mm_struct', '(anonymous).futex_unique_id')?.after, 'atomic64_t futex_unique_id');
});

test('module_layout: about 45 changed types, all of them declaration changes', t => {
	const types = new Set(layout.changes.map(c => c.type));
	t.true(types.size >= 40 && types.size <= 70, `${types.size} types`);
	const causes = new Set(['member_added', 'member_removed', 'member_renamed', 'member_type_changed', 'enumerator_added', 'enumerator_removed',
		'enumerator_value_changed', 'became_defined', 'became_opaque', 'typedef_changed', 'prototype_changed', 'type_changed']);
	for (const change of layout.changes) {
		t.true(causes.has(change.kind), `${change.type}: ${change.kind}`);
		if (change.kind === 'member_type_changed') t.not(change.before, change.after);
	}

	// Spot checks against the two kernels' sources.
	t.is(find(layout, 'struct sock', '(anonymous).mptcp_retransmit_timer')?.kind, 'member_added');
	t.deepEqual(pick(find(layout, 'struct audit_names', 'ino')), {kind: 'member_type_changed', before: 'unsigned long ino', after: 'u64 ino'});
	t.deepEqual(pick(find(layout, 'union futex_key', 'private.(anonymous).__tmp')), {kind: 'member_renamed', before: 'u64 __tmp', after: 'u64 mm_seq'});
	t.deepEqual(pick(layout.changes.find(c => c.type === 'typedef free_work_fn')),
		{kind: 'typedef_changed', before: 'typedef struct io_wq_work *free_work_fn(struct io_wq_work *)', after: 'typedef void free_work_fn(struct io_wq_work *)'});
});

function pick(change: TypeChange | undefined) {
	return change && {kind: change.kind, before: change.before, after: change.after};
}

test('offset and size shifts are consequences of the member that caused them, never causes', t => {
	for (const change of layout.changes) t.false(/move|size \d+ →/.test(change.member ?? ''));
	const kstack = find(layout, 'struct task_struct', 'kstack_offset')!;
	t.true(kstack.consequences?.some(c => /^struct task_struct: \d+ members .* move \+8 bytes$/.test(c)));
	const futex = find(layout, 'struct mm_struct', '(anonymous).futex_unique_id')!;
	t.true(futex.consequences?.includes('struct mm_struct: size 1088 → 1096 bytes'));
	// struct device grew; what embeds it by value moved because of that, and says so under the cause.
	const flags = find(layout, 'struct device', 'flags')!;
	t.true(flags.consequences?.includes('struct device: size 744 → 752 bytes'));
	t.true(flags.consequences?.some(c => c.startsWith('struct phy_device: size')));
	t.false(layout.changes.some(c => c.type === 'struct phy_device'));
});

test('paths are shortest from the symbol, and causes closest to it come first', t => {
	const signature = 'module_layout(struct module *, struct modversion_info *, struct kernel_param *, struct kernel_symbol *, struct tracepoint *const *)';
	for (const change of layout.changes) {
		t.is(change.path[0], signature);
		t.is(change.path.at(-1), change.type);
		t.is(new Set(change.path).size, change.path.length);
	}

	const lengths = layout.changes.map(c => c.path.length);
	t.deepEqual(lengths, [...lengths].sort((x, y) => x - y));
	t.deepEqual(find(layout, 'struct task_struct', 'user_dumpable')!.path,
		[signature, 'struct module', 'struct trace_event_call', 'struct perf_event', 'struct task_struct']);
});

test('misc_register and kmalloc_trace reach the same changed types through their own declarations', t => {
	const misc = explain('misc_register');
	t.is(misc.changes[0]?.path[0], 'misc_register(struct miscdevice *)');
	t.deepEqual(find(misc, 'struct device', 'flags')?.path, ['misc_register(struct miscdevice *)', 'struct miscdevice', 'struct device']);
	const kmalloc = explain('kmalloc_trace');
	t.is(kmalloc.changes[0]?.path[0], 'kmalloc_trace(struct kmem_cache *, gfp_t, size_t)');
	for (const e of [misc, kmalloc]) {
		for (const [type, member] of genksymsTruth) t.truthy(find(e, type, member), `${e.symbol}: ${type} ${member}`);
		t.true(new Set(e.changes.map(c => c.type)).size >= 40);
	}
});

test('the same BTF on both sides explains nothing, and says so', t => {
	const same = explainBtf({symbol: 'module_layout', from: {label: 'a', btf: from}, to: {label: 'b', btf: from}});
	t.deepEqual(same.changes, []);
	t.false(same.complete);
	t.regex(same.incomplete!, /^no declaration reachable from the symbol differs in BTF/);
	const equalCrc = explain('module_layout', ['0x1', '0x1']);
	t.regex(equalCrc.notes![0]!, /same CRC/);
});

test('a symbol without a BTF declaration gets a note, not an error', t => {
	const none = explain('no_such_symbol_here');
	t.deepEqual(none.changes, []);
	t.regex(none.notes!.join(' '), /no FUNC or VAR named no_such_symbol_here/);
});

test('text rendering shows candidates, members and consequences, says it is approximate, and draws no path genksyms may not take', t => {
	const text = formatExplanationText(layout);
	t.regex(text, /^module_layout: 6\.1\.0-47 0x160c03af → 6\.1\.0-56 0x9060323f\nmethod: btf, approximate\nincomplete: BTF lists all \d+ declaration changes in \d+ types reachable from module_layout; genksyms hashed only the types the exporting file defines/);
	// The BTF path to task_struct runs through struct perf_event, which kernel/module/version.c never expands.
	t.false(text.includes('via '));
	t.regex(text, /\nstruct task_struct\n {2}\+ unsigned int user_dumpable:1\n/);
	t.regex(text, /\+ \(anonymous\)\.futex_unique_id: atomic64_t futex_unique_id\n {6}struct mm_struct: size 1088 → 1096 bytes/);
});

// ---- small hand-made pairs, to pin the kinds of change real kernels rarely show together -----

type Member = [name: string, type: number, bitOffset: number];

function tiny(build: (b: Builder) => void): Btf {
	const builder = new Builder();
	build(builder);
	return parseBtf(encodeBtf(builder.records, builder.strings.bytes()), {file: 'tiny'});
}

class Builder {
	readonly records: Uint32Array[] = [];
	readonly strings = new StringTable();
	add(kind: BtfKind, name: string, vlen: number, sizeOrType: number, extra: number[] = [], kindFlag = false): number {
		this.records.push(new Uint32Array([this.strings.add(name), ((kindFlag ? 1 : 0) << 31 | kind << 24 | vlen) >>> 0, sizeOrType, ...extra]));
		return this.records.length;
	}

	struct(name: string, size: number, members: Member[], kind = BtfKind.Struct): number {
		return this.add(kind, name, members.length, size, members.flatMap(([n, type, bit]) => [this.strings.add(n), type, bit]));
	}

	enumeration(name: string, values: Array<[string, number]>): number {
		return this.add(BtfKind.Enum, name, values.length, 4, values.flatMap(([n, v]) => [this.strings.add(n), v >>> 0]));
	}

	func(name: string, params: Array<[string, number]>, returns = 0): number {
		const proto = this.add(BtfKind.FuncProto, '', params.length, returns, params.flatMap(([n, type]) => [this.strings.add(n), type]));
		return this.add(BtfKind.Func, name, 1, proto);
	}
}

test('enumerators added, removed, renumbered; typedef retargeted; struct made opaque', t => {
	const make = (after: boolean) => tiny(b => {
		const int = b.add(BtfKind.Int, 'int', 0, 4, [0x01_00_00_20]);
		const long = b.add(BtfKind.Int, 'long', 0, 8, [0x01_00_00_40]);
		const color = after ? b.enumeration('color', [['RED', 0], ['ORANGE', 1], ['GREEN', 2], ['BLUE', 3], ['MAX', 9]]) : b.enumeration('color', [['RED', 0], ['GREEN', 1], ['BLUE', 2], ['OLD', 3], ['MAX', 8]]);
		const counter = b.add(BtfKind.Typedef, 'counter_t', 0, after ? long : int);
		const hidden = after ? b.add(BtfKind.Fwd, 'hidden', 0, 0) : b.struct('hidden', 4, [['x', int, 0]]);
		const hiddenPtr = b.add(BtfKind.Ptr, '', 0, hidden);
		const s = b.struct('thing', 16, [['c', color, 0], ['n', counter, 64], ['h', hiddenPtr, 128]]);
		const ptr = b.add(BtfKind.Ptr, '', 0, s);
		b.func('use_thing', [['t', ptr]]);
	});
	const e = explainBtf({symbol: 'use_thing', from: {label: 'a', btf: make(false)}, to: {label: 'b', btf: make(true)}});
	const kinds = e.changes.map(c => `${c.type} ${c.kind} ${c.member ?? ''}`.trim());
	t.deepEqual(kinds.sort(), [
		'enum color enumerator_added ORANGE',
		'enum color enumerator_removed OLD',
		'enum color enumerator_value_changed MAX',
		'struct hidden became_opaque',
		'typedef counter_t typedef_changed',
	]);
	const orange = e.changes.find(c => c.member === 'ORANGE')!;
	t.deepEqual(orange.consequences, ['enum color: values renumber: GREEN 1 → 2, BLUE 2 → 3']);
	t.deepEqual(e.changes.find(c => c.member === 'MAX')?.after, 'MAX = 9');
	t.deepEqual(orange.path, ['use_thing(struct thing *)', 'struct thing', 'enum color']);
});

test('prototype changes, renames, bitfields and type tags', t => {
	const make = (after: boolean) => tiny(b => {
		const int = b.add(BtfKind.Int, 'int', 0, 4, [0x01_00_00_20]);
		const uint = b.add(BtfKind.Int, 'unsigned int', 0, 4, [0x00_00_00_20]);
		const tagged = after ? b.add(BtfKind.TypeTag, 'user', 0, int) : int;
		const p = b.add(BtfKind.Ptr, '', 0, tagged);
		const s = b.add(BtfKind.Struct, 'flags', 3, 8, [
			b.strings.add('a'), uint, (1 << 24) | 0,
			b.strings.add(after ? 'bee' : 'b'), uint, (1 << 24) | 1,
			b.strings.add('c'), uint, ((after ? 3 : 2) << 24) | 2,
		], true);
		const sp = b.add(BtfKind.Ptr, '', 0, s);
		b.func('f', after ? [['x', sp], ['p', p], ['n', int]] : [['x', sp], ['p', p]]);
	});
	const e = explainBtf({symbol: 'f', from: {label: 'a', btf: make(false)}, to: {label: 'b', btf: make(true)}});
	const byKind = Object.fromEntries(e.changes.map(c => [c.kind, c]));
	t.is(byKind['prototype_changed']?.before, 'void f(struct flags *x, int *p)');
	t.is(byKind['prototype_changed']?.after, 'void f(struct flags *x, int *p, int n)');
	t.deepEqual(pick(byKind['member_renamed']), {kind: 'member_renamed', before: 'unsigned int b:1', after: 'unsigned int bee:1'});
	t.deepEqual(pick(byKind['member_type_changed']), {kind: 'member_type_changed', before: 'unsigned int c:2', after: 'unsigned int c:3'});
	t.is(e.changes.length, 3, 'the __user type tag is not a declaration change');
});

test('anonymous unions: a change is reported on the nearest named type, with the member path', t => {
	const make = (after: boolean) => tiny(b => {
		const int = b.add(BtfKind.Int, 'int', 0, 4, [0x01_00_00_20]);
		const inner: Member[] = after ? [['x', int, 0], ['y', int, 0]] : [['x', int, 0]];
		const anon = b.struct('', 4, inner, BtfKind.Union);
		const s = b.struct('outer', after ? 12 : 8, after ? [['first', int, 0], ['', anon, 32], ['added', int, 64]] : [['first', int, 0], ['', anon, 32]]);
		const ptr = b.add(BtfKind.Ptr, '', 0, s);
		const v = b.add(BtfKind.Var, 'outer_ptr', 0, ptr, [1]);
		b.add(BtfKind.Datasec, '.data..percpu', 1, 8, [v, 0, 8]);
	});
	const e = explainBtf({symbol: 'outer_ptr', from: {label: 'a', btf: make(false)}, to: {label: 'b', btf: make(true)}});
	t.deepEqual(e.changes.map(c => [c.type, c.kind, c.member]), [
		['struct outer', 'member_added', '(anonymous).y'],
		['struct outer', 'member_added', 'added'],
	]);
	t.deepEqual(e.changes[0]!.path, ['struct outer *outer_ptr', 'struct outer']);
	t.deepEqual(e.changes[0]!.consequences, ['struct outer: size 8 → 12 bytes']);
});
