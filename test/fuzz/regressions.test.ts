import {existsSync, readdirSync, readFileSync, truncateSync, writeFileSync} from 'node:fs';
import path from 'node:path';
import zlib, {gunzipSync} from 'node:zlib';
import test from 'ava';
import {parseBtf} from '../../source/btf/btf.js';
import {BtfKind} from '../../source/btf/btf-kind.js';
import {cType, embeddedComposite, typeRefs, typeSize} from '../../source/btf/btf-c-type.js';
import {explainBtf} from '../../source/typediff/explain-btf.js';
import {InputError} from '../../source/common/input-error.js';
import {ElfFile} from '../../source/elf/elf-file.js';
import {SymversTable} from '../../source/kernel/symvers.js';
import {nameHash} from '../../source/common/name-hash.js';
import {packExports, PackedExports} from '../../source/kernel/packed-exports.js';
import {parseModule, readModuleFile} from '../../source/module/read-module.js';
import {loadKernel} from '../../source/kernel/load-kernel.js';
import {explainSymtypes} from '../../source/typediff/explain-symtypes.js';
import {expandSymbol, genksymsCrc} from '../../source/symtypes/genksyms-crc.js';
import {parseSymtypes} from '../../source/symtypes/read-symtypes.js';
import {structMembers} from '../../source/symtypes/c-text.js';
import {encodeBtf, StringTable} from '../helpers/btf-writer.js';
import {temporaryDirectory} from '../helpers/derive.js';
import {fixture} from '../helpers/paths.js';
import {runCli} from '../helpers/run-cli.js';
import {judgeCli, runCheck} from './cli-case.js';
import {elfLayout} from './mutate.js';
import {symversSeeds} from './seeds.js';
import {makeContext, runOnce, targetNamed} from './targets.js';

/*
Every input the fuzzer found a bug with (test/fixtures/fuzz/<name>.bin[.gz] and its .json),
replayed through the same target; then the crafted cyclic and deep inputs that check each
recursive walk's guard directly.
*/

const directory = fixture('fuzz');
const cases = existsSync(directory) ? readdirSync(directory).filter(name => name.endsWith('.json')).sort() : [];
const context = makeContext();
test.after.always(() => context.cleanup());

for (const name of cases) {
	const meta = JSON.parse(readFileSync(path.join(directory, name), 'utf8')) as {target: string; kind: string; failure: string};
	const base = path.join(directory, name.replace(/\.json$/, ''));
	test(`fuzz regression ${name.replace(/\.json$/, '')}: ${meta.kind} in ${meta.target} (${meta.failure.slice(0, 80)})`, async t => {
		const data = existsSync(`${base}.bin.gz`) ? new Uint8Array(gunzipSync(readFileSync(`${base}.bin.gz`))) : new Uint8Array(readFileSync(`${base}.bin`));
		const failure = await runOnce(targetNamed(meta.target), data, context);
		t.is(failure, undefined, failure?.message);
	});
}

// ---- symtypes: cycles and depth ------------------------------------------------------------------

test('symtypes: a typedef that refers to itself expands once (cycle ends as in genksyms)', t => {
	const index = parseSymtypes('t#loop int t#loop \nfoo int foo ( t#loop ) \n', 'cycle.symtypes');
	t.is(expandSymbol(index, 'foo').text, 'int foo ( int loop ) ');
});

test('symtypes: mutually recursive structs expand each once', t => {
	const index = parseSymtypes('s#a struct a { s#b * b ; } \ns#b struct b { s#a * a ; } \nfoo int foo ( s#a * ) \n', 'mutual.symtypes');
	t.is(expandSymbol(index, 'foo').text, 'int foo ( struct a { struct b { struct a * a ; } * b ; } * ) ');
});

test('symtypes: a 100,000-deep typedef chain expands without recursion, in token order', t => {
	const depth = 100_000;
	const lines = ['foo int foo ( t#c0 ) '];
	for (let i = 0; i < depth; i++) lines.push(`t#c${i} ${i + 1 < depth ? `t#c${i + 1}` : 'int'} `);
	const index = parseSymtypes(lines.join('\n'), 'deep.symtypes');
	const text = expandSymbol(index, 'foo').text;
	t.is(text, 'int foo ( int ) ');
	// The explanation's shortest paths stay linear too.
	const explained = explainSymtypes({symbol: 'foo', from: {label: 'a', index}, to: {label: 'b', index}});
	t.deepEqual(explained.changes, []);
});

test('symtypes: struct bodies nested 10,000 deep are listed, not recursed into without end', t => {
	const tokens = ['struct', 'x', '{', ...Array.from({length: 10_000}, () => ['struct', '{']).flat(), 'int', 'a', ';', ...Array.from({length: 10_000}, () => ['}', ';']).flat(), '}'];
	const members = structMembers(tokens);
	t.truthy(members);
});

// ---- BTF: cycles and depth -----------------------------------------------------------------------

/** BTF from records (host-order words) with names from `names`. */
function btf(records: number[][], names: string[] = []) {
	const strings = new StringTable();
	const offsets = names.map(name => strings.add(name));
	const data = encodeBtf(records.map(record => new Uint32Array(record.map(word => (word < 0 ? offsets[-word - 1]! : word)))), strings.bytes());
	return parseBtf(data, {file: 'crafted.btf'});
}

const info = (kind: number, vlen = 0, kindFlag = false) => ((kind << 24) | vlen | (kindFlag ? 0x8000_0000 : 0)) >>> 0;

test('BTF: a pointer to itself and a const/volatile cycle are refused with one-line InputErrors', t => {
	const cyclic = btf([
		[0, info(BtfKind.Ptr), 1], // 1: PTR → 1
		[0, info(BtfKind.Const), 3], // 2: CONST → 3
		[0, info(BtfKind.Volatile), 2], // 3: VOLATILE → 2
		[-1, info(BtfKind.FuncProto, 1), 0, 0, 1], // 4: void (int *)
		[-1, info(BtfKind.Func, 1), 4], // 5: FUNC f
	], ['f']);
	for (const id of [1, 2, 3]) {
		const error = t.throws(() => cType(cyclic, id, 'x'), {instanceOf: InputError});
		t.false(error!.message.includes('\n'));
		t.throws(() => typeRefs(cyclic, id), {instanceOf: InputError});
		t.throws(() => typeSize(cyclic, id === 1 ? 2 : id), {instanceOf: InputError});
		t.throws(() => embeddedComposite(cyclic, id === 1 ? 2 : id), {instanceOf: InputError});
	}

	t.throws(() => explainBtf({symbol: 'f', from: {label: 'a', btf: cyclic, crc: '0x1'}, to: {label: 'b', btf: cyclic, crc: '0x2'}}), {instanceOf: InputError});
});

test('BTF: an anonymous struct embedding itself by value stops at the nesting bound', t => {
	const int = [-2, info(BtfKind.Int), 4, 0x01_00_00_20];
	const cyclic = btf([
		int, // 1: int
		[0, info(BtfKind.Struct, 2), 8, -3, 1, 0, 0, 3, 32], // 2: struct { int a; <anon 3> }
		[0, info(BtfKind.Struct, 1), 8, 0, 2, 0], // 3: struct { <anon 2> } → cycle by value
		[-1, info(BtfKind.Struct, 1), 8, -3, 2, 0], // 4: struct s { <anon 2> a; }
		[0, info(BtfKind.Ptr), 4], // 5: struct s *
		[0, info(BtfKind.FuncProto, 1), 1, 0, 5], // 6: int (struct s *)
		[-4, info(BtfKind.Func, 1), 6], // 7: FUNC f
	], ['s', 'int', 'a', 'f']);
	const other = btf([
		int,
		[0, info(BtfKind.Struct, 2), 8, -3, 1, 0, 0, 3, 32],
		[0, info(BtfKind.Struct, 2), 12, 0, 2, 0, -3, 1, 64], // Differs: the walk descends
		[-1, info(BtfKind.Struct, 1), 8, -3, 2, 0],
		[0, info(BtfKind.Ptr), 4],
		[0, info(BtfKind.FuncProto, 1), 1, 0, 5],
		[-4, info(BtfKind.Func, 1), 6],
	], ['s', 'int', 'a', 'f']);
	t.is(typeSize(cyclic, 4), 8);
	t.throws(() => explainBtf({symbol: 'f', from: {label: 'a', btf: cyclic, crc: '0x1'}, to: {label: 'b', btf: other, crc: '0x2'}}), {instanceOf: InputError});
});

test('BTF: 100,000-long chains of qualifiers and typedefs are refused, not walked to a stack overflow', t => {
	const records: number[][] = [[-1, info(BtfKind.Int), 4, 0x01_00_00_20]];
	for (let i = 2; i <= 100_000; i++) records.push([0, info(i % 2 === 0 ? BtfKind.Const : BtfKind.Typedef), i - 1]);
	const deep = btf(records, ['int']);
	t.throws(() => typeSize(deep, 100_000), {instanceOf: InputError});
	t.throws(() => embeddedComposite(deep, 100_000), {instanceOf: InputError});
	const qualifiers: number[][] = [[-1, info(BtfKind.Int), 4, 0x01_00_00_20]];
	for (let i = 2; i <= 100_000; i++) qualifiers.push([0, info(i % 2 === 0 ? BtfKind.Const : BtfKind.Ptr), i - 1]);
	const pointers = btf(qualifiers, ['int']);
	t.throws(() => cType(pointers, 100_000, 'x'), {instanceOf: InputError});
	t.throws(() => typeRefs(pointers, 100_000), {instanceOf: InputError});
});

// ---- ELF: relocation sections that point at themselves ----------------------------------------------

test('ELF: a relocation section applying to itself, and a symbol table linked to itself', t => {
	const data = new Uint8Array(readFileSync(fixture('modules/6.1.0-47-amd64/nls_utf8.ko')));
	const layout = elfLayout(data)!;
	const view = new DataView(data.buffer);
	const rela = layout.sections.findIndex(section => section.type === 4);
	const symtab = layout.sections.findIndex(section => section.type === 2);
	view.setUint32(layout.sections[rela]!.header + 0x2C, rela, true); // Sh_info → itself
	const self = new ElfFile(data, 'self.ko');
	t.true(Array.isArray(self.relocationsFor(self.sections[rela]!)));
	view.setUint32(layout.sections[symtab]!.header + 0x28, symtab, true); // Sh_link → itself (not a STRTAB)
	t.throws(() => parseModule(data, 'self.ko'), {instanceOf: InputError});
});

// ---- Module.symvers cache entries ------------------------------------------------------------------

test('a damaged export-table cache entry is refused when opened; a forged one fails on access, never reads outside or loops', t => {
	const seed = symversSeeds()[0]!;
	const table = new SymversTable(seed.data, 'Module.symvers');
	const good = new Uint8Array(packExports(table.all(), 'identity'));
	const opened = PackedExports.open(good, 'entry.bin', 'identity');
	t.is(opened?.get('module_layout')?.crc, table.get('module_layout')?.crc);
	t.is(PackedExports.open(good, 'entry.bin', 'another file'), undefined, 'made from another file: a miss');
	const flipped = new Uint8Array(good);
	flipped[good.length - 10]! ^= 1;
	t.is(PackedExports.open(flipped, 'entry.bin', 'identity'), undefined);
	t.is(PackedExports.open(good.subarray(0, good.length - 1), 'entry.bin', 'identity'), undefined, 'truncated');

	const forge = (change: (view: DataView, capacity: number) => void) => {
		const copy = new Uint8Array(good);
		const view = new DataView(copy.buffer);
		change(view, view.getInt32(8, true));
		view.setInt32(28, zlib.crc32(copy.subarray(32)) | 0, true);
		return PackedExports.open(copy, 'entry.bin', 'identity')!;
	};

	// Every slot taken: a lookup of an absent name still ends.
	const full = forge((view, capacity) => {
		for (let slot = 0; slot < capacity; slot++) view.setInt32(32 + (slot * 4), 1, true);
	});
	t.is(full.get('no_such_symbol_anywhere'), undefined);

	// Slots and names pointing outside the table: an input error naming the entry. (A slot's top
	// byte is its name's hash tag: these carry module_layout's, so they are looked at.)
	const tag = nameHash('module_layout') >>> 24;
	const outside = forge((view, capacity) => {
		for (let slot = 0; slot < capacity; slot++) view.setInt32(32 + (slot * 4), (tag << 24) | 0xFF_FF_FF, true);
	});
	t.throws(() => outside.get('module_layout'), {instanceOf: InputError, message: /entry\.bin: .*damaged cache entry/});
	const nameOutside = forge((view, capacity) => {
		view.setInt32(32 + (capacity * 4) + 4, 0x7F_FF_FF_FF, true); // First record's name start.
	});
	t.throws(() => [...nameOutside.all()], {instanceOf: InputError});
	t.is(genksymsCrc(parseSymtypes('foo int foo ( ) \n', 'x'), 'foo'), zlib.crc32('int foo ( ) ') >>> 0);
});

// ---- bounded reads -------------------------------------------------------------------------------------

/** Bytes this process has read so far, from any file, on any of its threads (Linux's /proc/self/io: kmodx is a Linux tool). */
function bytesRead(): number {
	return Number(/^rchar: (\d+)$/m.exec(readFileSync('/proc/self/io', 'latin1'))![1]);
}

// Serial: no other test of this file reads meanwhile.
test.serial('a 3 GiB (sparse) file given as a module or a kernel is refused by its size, before it is read', async t => {
	const big = path.join(temporaryDirectory(t, 'big'), 'big.ko');
	writeFileSync(big, '');
	truncateSync(big, 3 * 1024 * 1024 * 1024);
	const before = bytesRead();
	const error = await t.throwsAsync(readModuleFile(big), {instanceOf: InputError});
	t.regex(error!.message, /big\.ko: larger than 256 MiB: not a kernel module \(limit\)/);
	const kernelError = await t.throwsAsync(loadKernel({label: 'big', source: big}), {instanceOf: InputError});
	t.regex(kernelError!.message, /larger than 1024 MiB/);
	// Refused by its size: nothing of it is read (reading up to either limit would be 256 MiB or
	// more; the bound leaves room for the little else the process reads meanwhile, e.g. AVA's IPC).
	const after = bytesRead();
	t.true(after - before < 16 * 1024 * 1024, `read ${after - before} bytes`);
});

test('/dev/zero given as a module is read only up to the module limit, then refused', async t => {
	const error = await t.throwsAsync(readModuleFile('/dev/zero'), {instanceOf: InputError});
	t.is(error!.message, '/dev/zero: larger than 256 MiB: not a kernel module (limit)');
});

test('Module.symvers errors quote file text with control characters escaped (a CR once split the line)', t => {
	const error = t.throws(() => new SymversTable(new Uint8Array(Buffer.from('0x7\te\tv\tEXPORT_SY\rBOL\u001B[31m\n', 'latin1')), 'Module.symvers'), {instanceOf: InputError});
	t.is(error!.message, "Module.symvers: line 1: unknown export type 'EXPORT_SY\\x0dBOL\\x1b[31m'");
});

test('a module whose __kcrctab is SHT_NOBITS with a size is refused, not read past its empty view', t => {
	const data = new Uint8Array(gunzipSync(readFileSync(fixture('fuzz/module-nobits-kcrctab.bin.gz'))));
	t.throws(() => parseModule(data, 'nobits.ko'), {instanceOf: InputError, message: /SHT_NOBITS/});
});

// ---- the CLI cases' oracle: kmodx's exit table ------------------------------------------------------

test('the fuzzer\'s CLI oracle is the exit table: real runs pass it; a crash, a status the report contradicts or one outside the table fail it', t => {
	const scratch = temporaryDirectory(t, 'cli-case');
	const myDrv = fixture('modules/my_drv-6.1.0-47-amd64.ko');
	const symvers47 = fixture('kernels/6.1.0-47-amd64/Module.symvers.gz');
	for (const [module, kernel, status] of [[myDrv, symvers47, 0], [myDrv, fixture('kernels/6.1.0-56-amd64/Module.symvers.gz'), 1], [fixture('kernels/6.1.0-47-amd64/config.gz'), symvers47, 2]] as const) {
		const outcome = runCheck(module, kernel, scratch);
		t.is(outcome.code, status);
		t.is(outcome.failure, undefined, outcome.failure?.message);
	}

	// The real report of a module that loads, judged with other statuses.
	const loads = runCli(['check', myDrv, '-k', symvers47, '--json']);
	t.is(loads.code, 0);
	t.is(judgeCli(0, null, loads.stdout, '', undefined), undefined);
	t.is(judgeCli(1, null, loads.stdout, '', undefined)?.message, 'exit 1, but the report\'s verdicts give 0');
	t.is(judgeCli(3, null, loads.stdout, '', undefined)?.message, 'exit 3, but the report\'s verdicts give 0');
	t.is(judgeCli(1, null, loads.stdout, '', undefined, false), undefined, 'with --fail-on, 1 is possible without a counted problem');
	t.regex(judgeCli(4, null, loads.stdout, '', undefined)?.message ?? '', /^exit 4 is not in the exit table/);
	const crash = 'kmodx: internal error, please report it as a bug with the command line that caused it: TypeError: x (KMODX_DEBUG=1 shows where)\n';
	t.regex(judgeCli(70, null, '', crash, undefined)?.message ?? '', /^internal error \(exit 70\)/);
});
