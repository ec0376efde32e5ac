import test from 'ava';
import {isInputError} from '../../source/common/input-error.js';
import {type Btf, parseBtf} from '../../source/btf/btf.js';
import {cType} from '../../source/btf/btf-c-type.js';
import {BtfKind, kindNames} from '../../source/btf/btf-kind.js';
import {loadBtf} from '../../source/btf/load-btf.js';
import {closure, encodeBtf, StringTable, swapByteOrder, writeSubset} from '../helpers/btf-writer.js';
import {btfFixture, loadFixture, rawFixture} from './btf-fixtures.js';

function byName(btf: Btf, name: string, kind: BtfKind): number {
	const id = btf.lookup(name, [kind])[0];
	if (id === undefined) throw new Error(`${name} not found`);
	return id;
}

function kindCounts(btf: Btf): Map<string, number> {
	const counts = new Map<string, number>();
	for (let id = 1; id <= btf.lastId; id++) {
		const name = kindNames[btf.kind(id)]!;
		counts.set(name, (counts.get(name) ?? 0) + 1);
	}

	return counts;
}

/** The fixture plus real-derived TYPE_TAG and DECL_TAG records (6.1 vmlinux BTF has none). */
function withTags(): {btf: Btf; typeTag: number; taggedPointer: number; declTag: number; memberTag: number} {
	const base = loadFixture('47');
	// Rebuild with the same strings, then append records modelled on what pahole emits for __user and __rcu.
	const rewritten = writeSubset(base, Array.from({length: base.lastId}, (_, i) => i + 1));
	const records = [...rewritten.records];
	const char = byName(base, 'char', BtfKind.Int);
	const task = byName(base, 'task_struct', BtfKind.Struct);
	const user = rewritten.strings.add('user');
	const rcu = rewritten.strings.add('rcu');
	const typeTag = base.lastId + 1;
	records.push(new Uint32Array([user, BtfKind.TypeTag << 24, char]));
	records.push(new Uint32Array([0, BtfKind.Ptr << 24, typeTag]));
	records.push(new Uint32Array([rcu, BtfKind.DeclTag << 24, task, 0xff_ff_ff_ff]));
	records.push(new Uint32Array([rcu, BtfKind.DeclTag << 24, task, 3]));
	const btf = parseBtf(encodeBtf(records, rewritten.strings.bytes()), {file: 'tags'});
	return {btf, typeTag, taggedPointer: typeTag + 1, declTag: typeTag + 2, memberTag: typeTag + 3};
}

test('the fixtures are real vmlinux BTF with every kind the 6.1 kernel emits', t => {
	const btf = loadFixture('47');
	t.true(btf.littleEndian);
	const counts = kindCounts(btf);
	for (const kind of ['INT', 'PTR', 'ARRAY', 'STRUCT', 'UNION', 'ENUM', 'FWD', 'TYPEDEF', 'VOLATILE', 'CONST', 'RESTRICT', 'FUNC', 'FUNC_PROTO', 'VAR', 'DATASEC', 'FLOAT', 'ENUM64']) {
		t.true((counts.get(kind) ?? 0) > 0, `no ${kind}`);
	}
});

test('INT, FLOAT, ARRAY, PTR, CONST, VOLATILE, RESTRICT decode and spell as C', t => {
	const btf = loadFixture('47');
	const uint = byName(btf, 'unsigned int', BtfKind.Int);
	t.deepEqual(btf.int(uint), {encoding: 0, offset: 0, bits: 32, signed: false, char: false, bool: false});
	t.true(btf.int(byName(btf, 'int', BtfKind.Int)).signed);
	t.true(btf.int(byName(btf, '_Bool', BtfKind.Int)).bool);
	t.is(cType(btf, byName(btf, 'long unsigned int', BtfKind.Int)), 'unsigned long');
	t.is(btf.sizeOrType(byName(btf, 'double', BtfKind.Float)), 8);
	const task = byName(btf, 'task_struct', BtfKind.Struct);
	const comm = btf.members(task).find(m => m.name === 'comm')!;
	t.is(cType(btf, comm.type, 'comm'), 'char comm[16]');
	t.deepEqual(btf.array(comm.type).nelems, 16);
	let restrict = 0;
	let volatile = 0;
	for (let id = 1; id <= btf.lastId; id++) {
		if (!restrict && btf.kind(id) === BtfKind.Restrict) restrict = id;
		if (!volatile && btf.kind(id) === BtfKind.Volatile) volatile = id;
	}

	t.regex(cType(btf, restrict), /restrict/);
	t.regex(cType(btf, volatile), /^volatile /);
	const layout = btf.lookup('module_layout', [BtfKind.Func])[0]!;
	t.is(btf.kind(btf.sizeOrType(layout)), BtfKind.FuncProto);
	t.is(cType(btf, layout, 'module_layout', {paramNames: true}),
		'void module_layout(struct module *mod, struct modversion_info *ver, struct kernel_param *kp, struct kernel_symbol *ks, struct tracepoint *const *tp)');
});

test('STRUCT bitfields (kind_flag), UNION, ENUM signedness and ENUM64 values', t => {
	const btf = loadFixture('56');
	const task = byName(btf, 'task_struct', BtfKind.Struct);
	t.true(btf.kindFlag(task));
	const dumpable = btf.members(task).find(m => m.name === 'user_dumpable')!;
	t.is(dumpable.bitfieldSize, 1);
	t.is(cType(btf, dumpable.type), 'unsigned int');
	const union = btf.lookup('futex_key', [BtfKind.Union])[0]!;
	t.true(btf.members(union).every(m => m.bitOffset === 0));
	const context = byName(btf, 'perf_callchain_context', BtfKind.Enum64);
	t.is(btf.sizeOrType(context), 8);
	// PERF_CONTEXT_MAX = (__u64)-4095, needs both words.
	t.is(btf.enumerators(context).find(e => e.name === 'PERF_CONTEXT_MAX')?.value, (1n << 64n) - 4095n);
	const rpm = byName(btf, 'rpm_status', BtfKind.Enum);
	t.true(btf.kindFlag(rpm), 'signed enum');
	t.is(btf.enumerators(rpm)[0]?.value, -1n);
});

test('FWD, VAR and DATASEC decode', t => {
	const btf = loadFixture('47');
	let fwd = 0;
	let datasec = 0;
	for (let id = 1; id <= btf.lastId; id++) {
		if (!fwd && btf.kind(id) === BtfKind.Fwd) fwd = id;
		if (btf.kind(id) === BtfKind.Datasec) datasec = id;
	}

	t.regex(cType(btf, fwd), /^(struct|union) \w+$/);
	t.is(btf.name(datasec), '.data..percpu');
	const vars = btf.secinfos(datasec);
	t.true(vars.length > 0);
	for (const entry of vars) {
		t.is(btf.kind(entry.type), BtfKind.Var);
		t.true(entry.size > 0);
		t.true([0, 1, 2].includes(btf.extra(entry.type)));
	}
});

test('TYPE_TAG and DECL_TAG (derived from real records) parse and do not change the C spelling', t => {
	const {btf, typeTag, taggedPointer, declTag, memberTag} = withTags();
	t.is(btf.kind(typeTag), BtfKind.TypeTag);
	t.is(btf.name(typeTag), 'user');
	t.is(cType(btf, taggedPointer, 'p'), 'char *p');
	t.is(btf.kind(declTag), BtfKind.DeclTag);
	t.is(btf.extra(declTag), -1);
	t.is(btf.extra(memberTag), 3);
	t.is(btf.name(btf.sizeOrType(memberTag)), 'task_struct');
});

test('big-endian BTF (every word swapped) reads the same as little-endian', t => {
	const little = loadFixture('47');
	const big = parseBtf(swapByteOrder(rawFixture('47')), {file: 'big'});
	t.false(big.littleEndian);
	t.is(big.lastId, little.lastId);
	for (let id = 1; id <= little.lastId; id += 97) {
		t.is(big.kind(id), little.kind(id));
		t.is(big.name(id), little.name(id));
		t.deepEqual(big.record(id), little.record(id));
	}

	const task = byName(big, 'task_struct', BtfKind.Struct);
	t.deepEqual(big.members(task), little.members(byName(little, 'task_struct', BtfKind.Struct)));
	t.deepEqual(parseBtf(swapByteOrder(swapByteOrder(rawFixture('47')))).record(5), little.record(5));
});

test('split BTF: ids and string offsets continue after the base', t => {
	const full = loadFixture('47');
	const layout = full.lookup('module_layout', [BtfKind.Func]);
	const baseIds = closure(full, layout);
	const base = writeSubset(full, baseIds);
	const rest = closure(full, full.lookup('misc_register', [BtfKind.Func]), new Set(baseIds));
	const split = writeSubset(full, rest, {base});
	const baseBtf = parseBtf(base.data, {file: 'base'});
	const splitBtf = parseBtf(split.data, {file: 'split', base: baseBtf});
	t.is(splitBtf.startId, baseBtf.lastId + 1);
	t.is(splitBtf.startStr, base.strings.bytes().length);
	t.is(splitBtf.lastId, baseBtf.lastId + rest.length);
	const misc = splitBtf.lookup('misc_register', [BtfKind.Func]);
	t.is(misc.length, 1);
	t.true(misc[0]! >= splitBtf.startId);
	t.is(cType(splitBtf, misc[0]!, 'misc_register'), cType(full, full.lookup('misc_register', [BtfKind.Func])[0]!, 'misc_register'));
	// Types in the split part point into the base, by base id and base string.
	const device = splitBtf.lookup('device', [BtfKind.Struct])[0]!;
	t.true(device < splitBtf.startId);
	t.is(splitBtf.name(device), 'device');
	// Without its base the split part's references dangle.
	const error = t.throws(() => parseBtf(split.data, {file: 'split'}));
	t.true(isInputError(error));
});

test('loadBtf reads gzip-compressed raw BTF', async t => {
	const btf = await loadBtf(btfFixture('56'), {cache: false});
	t.is(btf.lastId, loadFixture('56').lastId);
});

// ---- hostile input ----------------------------------------------------------------------

function rejects(t: import('ava').ExecutionContext, data: Uint8Array, pattern: RegExp) {
	const error = t.throws(() => parseBtf(data, {file: 'bad.btf'}));
	t.true(isInputError(error), String(error));
	t.regex(error!.message, pattern);
	t.true(error!.message.startsWith('bad.btf: '));
}

function patched(mutate: (view: DataView, data: Uint8Array) => void): Uint8Array {
	const data = new Uint8Array(rawFixture('47'));
	mutate(new DataView(data.buffer), data);
	return data;
}

test('hostile: truncated files, at any length, are InputErrors', t => {
	const data = rawFixture('47');
	for (const length of [0, 1, 10, 23, 24, 1000, data.length / 2, data.length - 1]) rejects(t, data.subarray(0, Math.floor(length)), /BTF/);
});

test('hostile: bad header', t => {
	rejects(t, patched(v => v.setUint16(0, 0x1234, true)), /magic/);
	rejects(t, patched((_, d) => {
		d[2] = 2;
	}), /version 2/);
	rejects(t, patched(v => v.setUint32(4, 0xff_ff_ff_f0, true)), /header length/);
	rejects(t, patched(v => v.setUint32(8, 2, true)), /aligned/);
	rejects(t, patched(v => v.setUint32(12, 0x7f_ff_ff_f0, true)), /past the end/);
	rejects(t, patched(v => v.setUint32(20, 0xff_ff_ff_ff, true)), /past the end/);
});

test('hostile: out-of-range type ids, name offsets, unknown kinds, huge vlen', t => {
	// Type 1's record starts right after the 24-byte header.
	const firstPointer = (btf: Btf) => {
		for (let id = 1; ; id++) if (btf.kind(id) === BtfKind.Ptr) return id;
	};

	const btf = loadFixture('47');
	const pointer = firstPointer(btf);
	const offsetOf = (id: number) => {
		let at = 24;
		for (let i = 1; i < id; i++) at += btf.record(i).length * 4;
		return at;
	};

	rejects(t, patched(v => v.setUint32(offsetOf(pointer) + 8, btf.lastId + 1, true)), /past the last type/);
	rejects(t, patched(v => v.setUint32(offsetOf(1), 0x7f_ff_ff_ff, true)), /name offset/);
	rejects(t, patched(v => v.setUint32(offsetOf(1) + 4, 31 << 24, true)), /unknown kind 31/);
	rejects(t, patched(v => v.setUint32(offsetOf(1) + 4, (BtfKind.Struct << 24) | 0xff_ff, true)), /runs past|refers to type|name offset/);
	const task = byName(btf, 'task_struct', BtfKind.Struct);
	rejects(t, patched(v => v.setUint32(offsetOf(task) + 4, (v.getUint32(offsetOf(task) + 4, true) & 0xff_ff_00_00) | 0xff_ff, true)), /BTF/);
});

test('hostile: a cycle of pointers is an InputError when spelled, not a hang', t => {
	const strings = new StringTable();
	const records = [
		new Uint32Array([0, BtfKind.Ptr << 24, 2]),
		new Uint32Array([0, BtfKind.Const << 24, 1]),
		new Uint32Array([strings.add('f'), BtfKind.Typedef << 24, 3]),
	];
	const btf = parseBtf(encodeBtf(records, strings.bytes()), {file: 'cycle.btf'});
	const error = t.throws(() => cType(btf, 1));
	t.true(isInputError(error));
	t.regex(error!.message, /cyclic/);
	t.throws(() => cType(btf, 2), {message: /cyclic/});
	// A typedef ends a spelling, as in C.
	t.is(cType(btf, 3), 'f');
});
