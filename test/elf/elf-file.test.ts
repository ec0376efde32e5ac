import {readFileSync} from 'node:fs';
import test from 'ava';
import {InputError} from '../../source/common/input-error.js';
import {ElfFile, ET_REL} from '../../source/elf/elf-file.js';
import {fixture} from '../helpers/paths.js';

const amd64 = readFileSync(fixture('modules/6.1.0-47-amd64/nls_utf8.ko'));
const s390x = readFileSync(fixture('modules/6.1.0-47-s390x/nls_utf8.ko'));
const i386 = readFileSync(fixture('modules/6.1.0-47-686-pae/nls_utf8.ko'));

test('reads ELF64 little-endian, ELF64 big-endian and ELF32 modules', t => {
	const cases: Array<[Buffer, 32 | 64, 'little' | 'big', number]> = [[amd64, 64, 'little', 62], [s390x, 64, 'big', 22], [i386, 32, 'little', 3]];
	for (const [data, elfClass, endianness, machine] of cases) {
		const elf = new ElfFile(data, 'x.ko');
		t.is(elf.class, elfClass);
		t.is(elf.endianness, endianness);
		t.is(elf.machine, machine);
		t.is(elf.type, ET_REL);
		t.truthy(elf.section('__versions'));
		t.truthy(elf.section('.modinfo'));
		t.true(elf.symbols().some(symbol => symbol.name === 'utf8_to_utf32'));
	}
});

test('the ELF data ends before the appended signature', t => {
	const elf = new ElfFile(amd64, 'nls_utf8.ko');
	t.true(elf.elfEnd < amd64.length);
	t.is(amd64.subarray(-28).toString(), '~Module signature appended~\n');
});

test('relocations of a REL (i386) and a RELA (s390x) file', t => {
	for (const data of [i386, s390x]) {
		const elf = new ElfFile(data, 'x.ko');
		const text = elf.section('.text') ?? elf.section('.init.text')!;
		t.true(elf.relocationsFor(text).length > 0);
	}
});

function expectInputError(t: import('ava').ExecutionContext, data: Uint8Array, pattern: RegExp) {
	const error = t.throws(() => new ElfFile(data, 'bad.ko'), {instanceOf: InputError});
	t.regex(error!.message, /^bad\.ko: /);
	t.false(error!.message.includes('\n'));
	t.regex(error!.message, pattern);
}

test('garbage, truncation and hostile headers are one-line input errors', t => {
	expectInputError(t, Buffer.from('hello world, not an ELF file'), /bad magic/);
	expectInputError(t, new Uint8Array(0), /bad magic/);
	expectInputError(t, amd64.subarray(0, 40), /truncated ELF header/);
	expectInputError(t, amd64.subarray(0, 4096), /section header table|outside the file/);
	const badClass = Buffer.from(amd64);
	badClass[4] = 7;
	expectInputError(t, badClass, /invalid ELF class/);
	const farTable = Buffer.from(amd64);
	farTable.writeBigUInt64LE(0xffff_ffff_ffffn, 0x28);
	expectInputError(t, farTable, /section header table/);
	const manySections = Buffer.from(amd64);
	manySections.writeUInt16LE(0xfffe, 0x3c);
	expectInputError(t, manySections, /section header table/);
	const absurdSize = Buffer.from(amd64);
	const shoff = Number(absurdSize.readBigUInt64LE(0x28));
	absurdSize.writeBigUInt64LE(0x7fff_ffff_ffffn, shoff + 64 * 2 + 0x20);
	expectInputError(t, absurdSize, /outside the file/);
	const badNames = Buffer.from(amd64);
	badNames.writeUInt16LE(0x7000, 0x3e);
	expectInputError(t, badNames, /section name table/);
});

test('every truncation of a real module fails cleanly or parses', t => {
	for (let length = 0; length < amd64.length; length += 97) {
		try {
			const elf = new ElfFile(amd64.subarray(0, length), 'cut.ko');
			elf.symbols();
		} catch (error) {
			t.true(error instanceof InputError, `length ${length}: ${String(error)}`);
		}
	}
});
