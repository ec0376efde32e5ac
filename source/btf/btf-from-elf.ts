import {InputError} from '../common/input-error.js';

/*
A minimal ELF section lookup (ELF32/ELF64, either byte order), enough to pull `.BTF` out of a
vmlinux or a .ko without depending on the full ELF reader. Every offset is bounds-checked.
*/

const shnXindex = 0xff_ff;
const shtNobits = 8;

export function isElf(data: Uint8Array): boolean {
	return data.length >= 4 && data[0] === 0x7f && data[1] === 0x45 && data[2] === 0x4c && data[3] === 0x46;
}

/** The bytes of section `name` (a view into `data`), or undefined when the ELF has no such section. */
export function findElfSection(data: Uint8Array, name: string, file = '<elf>'): Uint8Array | undefined {
	const fail = (problem: string): never => {
		throw new InputError(file, `bad ELF: ${problem}`);
	};

	if (!isElf(data)) fail('no ELF magic');
	if (data.length < 52) fail('truncated header');
	const elfClass = data[4];
	const encoding = data[5];
	if (elfClass !== 1 && elfClass !== 2) fail(`unknown class ${elfClass}`);
	if (encoding !== 1 && encoding !== 2) fail(`unknown data encoding ${encoding}`);
	const is64 = elfClass === 2;
	const little = encoding === 1;
	if (is64 && data.length < 64) fail('truncated header');
	const view = new DataView(data.buffer, data.byteOffset, data.byteLength);
	const u16 = (at: number) => view.getUint16(at, little);
	const u32 = (at: number) => view.getUint32(at, little);
	const addr = (at: number): number => {
		if (!is64) return u32(at);
		const value = view.getBigUint64(at, little);
		if (value > BigInt(Number.MAX_SAFE_INTEGER)) fail(`offset ${value} too large`);
		return Number(value);
	};

	const shoff = addr(is64 ? 0x28 : 0x20);
	const shentsize = u16(is64 ? 0x3a : 0x2e);
	let shnum = u16(is64 ? 0x3c : 0x30);
	let shstrndx = u16(is64 ? 0x3e : 0x32);
	const minEntry = is64 ? 64 : 40;
	if (shoff === 0) return undefined;
	if (shentsize < minEntry) fail(`section header size ${shentsize} too small`);
	const header = (index: number) => {
		const at = shoff + index * shentsize;
		if (at + minEntry > data.length) fail(`section header ${index} is past the end of the file (truncated?)`);
		return is64
			? {name: u32(at), type: u32(at + 4), offset: addr(at + 0x18), size: addr(at + 0x20), link: u32(at + 0x28)}
			: {name: u32(at), type: u32(at + 4), offset: u32(at + 0x10), size: u32(at + 0x14), link: u32(at + 0x18)};
	};

	// Extended numbering: the real counts live in section 0.
	if (shnum === 0 || shstrndx === shnXindex) {
		const zero = header(0);
		if (shnum === 0) shnum = zero.size;
		if (shstrndx === shnXindex) shstrndx = zero.link;
	}

	if (shoff + shnum * shentsize > data.length) fail(`section header table (${shnum} entries) is past the end of the file (truncated?)`);
	if (shstrndx >= shnum) fail(`section name table index ${shstrndx} out of range`);
	const names = header(shstrndx);
	if (names.offset + names.size > data.length) fail('section name table is past the end of the file');
	const wanted = new TextEncoder().encode(name);
	for (let index = 1; index < shnum; index++) {
		const section = header(index);
		if (section.name + wanted.length >= names.size) continue;
		const at = names.offset + section.name;
		let same = data[at + wanted.length] === 0;
		for (let i = 0; same && i < wanted.length; i++) same = data[at + i] === wanted[i];
		if (!same) continue;
		if (section.type === shtNobits) fail(`section ${name} has no data (NOBITS)`);
		if (section.offset + section.size > data.length) fail(`section ${name} (${section.offset}+${section.size}) is past the end of the file (truncated?)`);
		return data.subarray(section.offset, section.offset + section.size);
	}

	return undefined;
}

/** The `.BTF` section of an ELF file; InputError when it has none. */
export function btfFromElf(data: Uint8Array, file = '<elf>'): Uint8Array {
	const section = findElfSection(data, '.BTF', file);
	if (!section) throw new InputError(file, 'no .BTF section (kernel built without CONFIG_DEBUG_INFO_BTF?)');
	return section;
}
