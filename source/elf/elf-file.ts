import {InputError} from '../common/input-error.js';

/*
A small ELF reader for what kmodx needs: headers, sections, symbols and relocations of
relocatable modules and of vmlinux. Every offset in the file is untrusted: each read is
bounds-checked and each count is checked against the bytes that would hold it, so a
hostile file costs at most its own size in work.
*/

export const SHT_SYMTAB = 2;
export const SHT_STRTAB = 3;
export const SHT_RELA = 4;
export const SHT_NOBITS = 8;
export const SHT_REL = 9;
export const SHT_SYMTAB_SHNDX = 18;
export const SHN_UNDEF = 0;
export const SHN_ABS = 0xfff1;
export const SHN_XINDEX = 0xffff;
export const STB_GLOBAL = 1;
export const STB_WEAK = 2;
export const ET_REL = 1;
export const ET_EXEC = 2;

const machineNames: Record<number, string> = {
	3: 'i386',
	8: 'mips',
	20: 'powerpc',
	21: 'powerpc64',
	22: 's390',
	40: 'arm',
	42: 'superh',
	43: 'sparcv9',
	62: 'x86_64',
	183: 'aarch64',
	243: 'riscv',
	258: 'loongarch',
};

export function machineName(machine: number): string {
	return machineNames[machine] ?? `machine ${machine}`;
}

export type ElfSection = {
	index: number;
	name: string;
	type: number;
	addr: bigint;
	offset: number;
	size: number;
	link: number;
	info: number;
	entsize: number;
};

/**
A `.symtab` entry. Name, value and size are read when asked: a module has thousands of local
symbols and kmodx needs the names of a few dozen (imports) — decoding every name and making two
BigInts per symbol was most of the cost of scanning 4,000 modules.
*/
export class ElfSymbol {
	private cachedName: string | undefined;

	constructor(
		private readonly elf: ElfFile,
		private readonly base: number,
		private readonly nameOffset: number,
		private readonly strings: {offset: number; end: number},
		readonly bind: number,
		readonly type: number,
		/** Section index, after SHN_XINDEX resolution. */
		readonly shndx: number,
	) {}

	get name(): string {
		this.cachedName ??= this.nameOffset === 0 ? '' : this.elf.cString(this.strings.offset + this.nameOffset, this.strings.end);
		return this.cachedName;
	}

	get value(): bigint {
		return this.elf.class === 64 ? this.elf.u64(this.base + 8) : BigInt(this.elf.u32(this.base + 4));
	}

	get size(): bigint {
		return this.elf.class === 64 ? this.elf.u64(this.base + 16) : BigInt(this.elf.u32(this.base + 8));
	}
}

export type ElfRelocation = {
	offset: bigint;
	type: number;
	symbolIndex: number;
	/** RELA addend; for REL sections the caller reads the implicit addend in place. */
	addend: bigint | undefined;
};


export class ElfFile {
	readonly class: 32 | 64;
	readonly endianness: 'little' | 'big';
	readonly type: number;
	readonly machine: number;
	readonly sections: ElfSection[];
	/** Bytes after the last byte any header or section claims: where a module signature sits. */
	readonly elfEnd: number;
	private readonly view: DataView;
	/** Buffer view of `data`: native indexOf and latin1 decoding, far cheaper per call than TextDecoder. */
	private readonly bytes: Buffer;
	private readonly little: boolean;
	private symbolCache: ElfSymbol[] | undefined;
	private symbolMemo: Map<number, ElfSymbol> | undefined;
	private readonly tables = new Map<number, string>();
	private readonly relocationCache = new Map<number, ElfRelocation[]>();

	constructor(readonly data: Uint8Array, readonly file: string) {
		if (!isElf(data)) {
			throw new InputError(file, 'not an ELF file (bad magic)');
		}

		if (data.length < 16) {
			throw new InputError(file, `truncated ELF header (${data.length} bytes)`);
		}

		const elfClass = data[4];
		if (elfClass !== 1 && elfClass !== 2) {
			throw new InputError(file, `invalid ELF class ${elfClass ?? '?'}`);
		}

		const dataEncoding = data[5];
		if (dataEncoding !== 1 && dataEncoding !== 2) {
			throw new InputError(file, `invalid ELF data encoding ${dataEncoding ?? '?'}`);
		}

		this.class = elfClass === 1 ? 32 : 64;
		this.little = dataEncoding === 1;
		this.endianness = this.little ? 'little' : 'big';
		this.view = new DataView(data.buffer, data.byteOffset, data.byteLength);
		this.bytes = Buffer.from(data.buffer, data.byteOffset, data.byteLength);
		const headerSize = this.class === 64 ? 64 : 52;
		if (data.length < headerSize) {
			throw new InputError(file, `truncated ELF header (${data.length} bytes)`);
		}

		this.type = this.u16(16);
		this.machine = this.u16(18);
		const shoff = this.class === 64 ? this.u64AsNumber(0x28, 'e_shoff') : this.u32(0x20);
		const shentsize = this.u16(this.class === 64 ? 0x3a : 0x2e);
		let shnum = this.u16(this.class === 64 ? 0x3c : 0x30);
		let shstrndx = this.u16(this.class === 64 ? 0x3e : 0x32);
		const phoff = this.class === 64 ? this.u64AsNumber(0x20, 'e_phoff') : this.u32(0x1c);
		const phentsize = this.u16(this.class === 64 ? 0x36 : 0x2a);
		const phnum = this.u16(this.class === 64 ? 0x38 : 0x2c);
		const minimumEntry = this.class === 64 ? 64 : 40;
		if (shoff === 0) {
			throw new InputError(file, 'ELF file has no section header table');
		}

		if (shentsize < minimumEntry) {
			throw new InputError(file, `invalid ELF section header size ${shentsize}`);
		}

		// Extended numbering: the real counts live in section 0.
		if (shnum === 0 || shstrndx === SHN_XINDEX) {
			this.checkRange(shoff, shentsize, 'section header 0');
			if (shnum === 0) {
				shnum = this.class === 64 ? this.u64AsNumber(shoff + 0x20, 'sh_size') : this.u32(shoff + 0x14);
			}

			if (shstrndx === SHN_XINDEX) {
				shstrndx = this.u32(shoff + (this.class === 64 ? 0x28 : 0x18));
			}
		}

		this.checkRange(shoff, shnum * shentsize, `section header table (${shnum} entries at offset ${shoff})`);
		let end = Math.max(headerSize, shoff + shnum * shentsize);
		if (phnum > 0 && phoff > 0 && phoff + phnum * phentsize <= data.length) {
			end = Math.max(end, phoff + phnum * phentsize);
		}

		// The name table first: each section is then built once, name included (no object spread).
		const namesBase = shoff + shstrndx * shentsize;
		const namesType = shstrndx < shnum ? this.u32(namesBase + 4) : -1;
		if (namesType !== SHT_STRTAB) {
			throw new InputError(file, `invalid section name table index ${shstrndx}`);
		}

		const namesOffset = this.class === 64 ? this.u64AsNumber(namesBase + 0x18, 'sh_offset') : this.u32(namesBase + 0x10);
		const namesSize = this.class === 64 ? this.u64AsNumber(namesBase + 0x20, 'sh_size') : this.u32(namesBase + 0x14);
		if (namesOffset + namesSize > data.length) {
			throw new InputError(file, `section ${shstrndx} lies outside the file (offset ${namesOffset}, size ${namesSize}, file ${data.length} bytes)`);
		}

		// The whole table's range is checked above, and an entry is at least as long as the fields
		// read: no check per field (a scan reads half a million of them).
		const sections: ElfSection[] = [];
		const {view, little} = this;
		const is64 = this.class === 64;
		const u32 = (offset: number) => view.getUint32(offset, little);

		for (let index = 0; index < shnum; index++) {
			const base = shoff + index * shentsize;
			const nameOffset = u32(base);
			const section: ElfSection = {
				index,
				name: nameOffset === 0 ? '' : this.tableString(namesOffset, namesOffset + namesSize, nameOffset),
				type: u32(base + 4),
				addr: is64 ? this.u64Small(base + 0x10) : BigInt(u32(base + 0xc)),
				offset: is64 ? this.number64At(base + 0x18, 'sh_offset') : u32(base + 0x10),
				size: is64 ? this.number64At(base + 0x20, 'sh_size') : u32(base + 0x14),
				link: u32(base + (is64 ? 0x28 : 0x18)),
				info: u32(base + (is64 ? 0x2c : 0x1c)),
				entsize: is64 ? this.number64At(base + 0x38, 'sh_entsize') : u32(base + 0x24),
			};
			if (section.type !== SHT_NOBITS && index !== 0) {
				if (section.offset + section.size > data.length) {
					throw new InputError(file, `section ${index} lies outside the file (offset ${section.offset}, size ${section.size}, file ${data.length} bytes)`);
				}

				end = Math.max(end, section.offset + section.size);
			}

			sections.push(section);
		}

		this.sections = sections;

		this.elfEnd = end;
	}

	/** The first section of that name. A search, not a map: a module has a few dozen sections and is asked for about fifteen names. */
	section(name: string): ElfSection | undefined {
		for (const section of this.sections) {
			if (section.name === name) {
				return section;
			}
		}

		return undefined;
	}

	sectionData(section: ElfSection): Uint8Array {
		if (section.type === SHT_NOBITS) {
			return new Uint8Array(0);
		}

		return this.data.subarray(section.offset, section.offset + section.size);
	}

	/** The section's bytes viewed in the file's byte order. */
	sectionView(section: ElfSection): DataView {
		const bytes = this.sectionData(section);
		return new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
	}

	get littleEndian(): boolean {
		return this.little;
	}

	/** All entries of `.symtab` (index 0 included, so relocation symbol indexes line up). */
	symbols(): ElfSymbol[] {
		if (this.symbolCache) {
			return this.symbolCache;
		}

		const symtab = this.sections.find(section => section.type === SHT_SYMTAB);
		this.symbolCache = symtab ? this.readSymbols(symtab) : [];
		return this.symbolCache;
	}

	/**
	The name and binding of each undefined GLOBAL/WEAK symbol (what a module imports), in table
	order, straight from the raw table: no object for any of its thousands of local symbols, nor
	for the imports themselves (a scan of a distribution's modules meets 185,000 of them).
	*/
	forEachUndefined(visit: (name: string, bind: number) => void): void {
		const symtab = this.sections.find(section => section.type === SHT_SYMTAB);
		if (!symtab) {
			return;
		}

		const strtab = this.stringTableOf(symtab);
		const entrySize = this.class === 64 ? 24 : 16;
		const count = Math.floor(symtab.size / entrySize);
		const is64 = this.class === 64;
		for (let index = 0; index < count; index++) {
			const base = symtab.offset + (index * entrySize);
			const bind = this.data[base + (is64 ? 4 : 12)]! >> 4;
			if (this.view.getUint16(base + (is64 ? 6 : 14), this.little) !== SHN_UNDEF || (bind !== STB_GLOBAL && bind !== STB_WEAK)) {
				continue;
			}

			const nameOffset = this.view.getUint32(base, this.little);
			visit(nameOffset === 0 ? '' : this.cString(strtab.offset + nameOffset, strtab.offset + strtab.size), bind);
		}
	}

	private stringTableOf(symtab: ElfSection): ElfSection {
		const strtab = this.sections[symtab.link];
		if (!strtab || strtab.type !== SHT_STRTAB) {
			throw new InputError(this.file, `symbol table (section ${symtab.index}) links to invalid string table ${symtab.link}`);
		}

		return strtab;
	}

	/**
	One `.symtab` entry by index (undefined past the end), without making the others: the export
	tables of a module name a few hundred of its thousands of symbols through relocations.
	*/
	symbol(index: number): ElfSymbol | undefined {
		if (this.symbolCache) {
			return this.symbolCache[index];
		}

		const symtab = this.sections.find(section => section.type === SHT_SYMTAB);
		const entrySize = this.class === 64 ? 24 : 16;
		if (!symtab || !Number.isInteger(index) || index < 0 || index >= Math.floor(symtab.size / entrySize)) {
			return undefined;
		}

		this.symbolMemo ??= new Map();
		let symbol = this.symbolMemo.get(index);
		if (!symbol) {
			symbol = this.readSymbols(symtab, index)[0]!;
			this.symbolMemo.set(index, symbol);
		}

		return symbol;
	}

	/** Every symbol, or (`only`) the one at that index. */
	private readSymbols(symtab: ElfSection, only?: number): ElfSymbol[] {
		const strtab = this.stringTableOf(symtab);

		const entrySize = this.class === 64 ? 24 : 16;
		const count = Math.floor(symtab.size / entrySize);
		const xindex = this.sections.find(section => section.type === SHT_SYMTAB_SHNDX && section.link === symtab.index);
		const symbols: ElfSymbol[] = [];
		const strings = {offset: strtab.offset, end: strtab.offset + strtab.size};
		const is64 = this.class === 64;
		for (let index = only ?? 0; index < (only === undefined ? count : only + 1); index++) {
			const base = symtab.offset + index * entrySize;
			const nameOffset = this.view.getUint32(base, this.little);
			const info = this.data[base + (is64 ? 4 : 12)]!;
			let shndx = this.view.getUint16(base + (is64 ? 6 : 14), this.little);

			if (shndx === SHN_XINDEX && xindex && xindex.offset + (index + 1) * 4 <= xindex.offset + xindex.size) {
				shndx = this.u32(xindex.offset + index * 4);
			}

			symbols.push(new ElfSymbol(this, base, nameOffset, strings, info >> 4, info & 0xf, shndx));
		}

		return symbols;
	}

	/** Relocation sections that apply to `target` (`.rela<name>` or `.rel<name>`); read once per target. */
	relocationsFor(target: ElfSection): ElfRelocation[] {
		const known = this.relocationCache.get(target.index);
		if (known) {
			return known;
		}

		const relocations: ElfRelocation[] = [];
		for (const section of this.sections) {
			if ((section.type === SHT_RELA || section.type === SHT_REL) && section.info === target.index) {
				// One by one: a section of a million relocations would overflow the stack as arguments.
				for (const relocation of this.readRelocations(section)) {
					relocations.push(relocation);
				}
			}
		}

		this.relocationCache.set(target.index, relocations);
		return relocations;
	}

	private readRelocations(section: ElfSection): ElfRelocation[] {
		const rela = section.type === SHT_RELA;
		const entrySize = this.class === 64 ? (rela ? 24 : 16) : (rela ? 12 : 8);
		const count = Math.floor(section.size / entrySize);
		const relocations: ElfRelocation[] = [];
		for (let index = 0; index < count; index++) {
			const base = section.offset + index * entrySize;
			if (this.class === 64) {
				const info = this.u64(base + 8);
				relocations.push({
					offset: this.u64(base),
					symbolIndex: Number(info >> 32n),
					type: Number(info & 0xffff_ffffn),
					addend: rela ? this.view.getBigInt64(base + 16, this.little) : undefined,
				});
			} else {
				const info = this.u32(base + 4);
				relocations.push({
					offset: BigInt(this.u32(base)),
					symbolIndex: info >>> 8,
					type: info & 0xff,
					addend: rela ? BigInt(this.view.getInt32(base + 8, this.little)) : undefined,
				});
			}
		}

		return relocations;
	}

	/** The section holding a virtual address (vmlinux), for turning addresses into file offsets. */
	sectionAt(address: bigint): ElfSection | undefined {
		for (const section of this.sections) {
			if (section.addr !== 0n && section.type !== SHT_NOBITS && address >= section.addr && address < section.addr + BigInt(section.size)) {
				return section;
			}
		}

		return undefined;
	}

	/**
	The NUL-terminated name at `index` of the string table at [start, end). Each table is decoded
	once and names are cut from it: one native call per table instead of one per name. Tables
	beyond 1 MiB (a vmlinux) are read name by name. Symbol names do not come from here: they key
	the scan's maps, where a name cut from a table is slower to hash and keeps the table alive.
	*/
	tableString(start: number, end: number, index: number): string {
		if (end - start > 1024 * 1024) {
			return this.cString(start + index, end);
		}

		let text = this.tables.get(start);
		if (text === undefined) {
			text = this.bytes.toString('latin1', start, Math.min(end, this.data.length));
			this.tables.set(start, text);
		}

		if (index < 0 || index >= text.length) {
			throw new InputError(this.file, `string offset ${start + index} out of range`);
		}

		const stop = text.indexOf('\0', index);
		return stop === -1 ? text.slice(index) : text.slice(index, stop);
	}

	/** NUL-terminated string at `offset`, never reading past `end`. */
	cString(offset: number, end: number): string {
		const limit = Math.min(end, this.data.length);
		if (offset >= limit || offset < 0) {
			throw new InputError(this.file, `string offset ${offset} out of range`);
		}

		let stop = this.bytes.indexOf(0, offset);
		if (stop === -1 || stop > limit) {
			stop = limit;
		}

		return this.bytes.toString('latin1', offset, stop);
	}

	u16(offset: number): number {
		this.checkRange(offset, 2, 'field');
		return this.view.getUint16(offset, this.little);
	}

	u32(offset: number): number {
		this.checkRange(offset, 4, 'field');
		return this.view.getUint32(offset, this.little);
	}

	u64(offset: number): bigint {
		this.checkRange(offset, 8, 'field');
		return this.view.getBigUint64(offset, this.little);
	}

	/** Offsets and sizes as numbers, without a BigInt each: a scan reads ~500,000 of them. */
	private u64AsNumber(offset: number, what: string): number {
		this.checkRange(offset, 8, 'field');
		return this.number64At(offset, what);
	}

	/** The same without the range check, for fields inside a range already checked. */
	private number64At(offset: number, what: string): number {
		const high = this.view.getUint32(offset + (this.little ? 4 : 0), this.little);
		if (high > 0x1F_FFFF) { // Past Number.MAX_SAFE_INTEGER.
			throw new InputError(this.file, `absurd ELF ${what} ${this.view.getBigUint64(offset, this.little)}`);
		}

		return (high * 0x1_0000_0000) + this.view.getUint32(offset + (this.little ? 0 : 4), this.little);
	}

	/** Flags and addresses: in a module mostly small or zero, which need no 64-bit read. */
	private u64Small(offset: number): bigint {
		this.checkRange(offset, 8, 'field');
		const low = this.view.getUint32(offset + (this.little ? 0 : 4), this.little);
		const high = this.view.getUint32(offset + (this.little ? 4 : 0), this.little);
		return high === 0 ? (low === 0 ? 0n : BigInt(low)) : this.view.getBigUint64(offset, this.little);
	}

	private checkRange(offset: number, length: number, what: string): void {
		if (offset < 0 || length < 0 || offset + length > this.data.length) {
			throw new InputError(this.file, `truncated ELF: ${what} extends past the end of the file (${this.data.length} bytes)`);
		}
	}
}

export function isElf(data: Uint8Array): boolean {
	return data.length >= 4 && data[0] === 0x7f && data[1] === 0x45 && data[2] === 0x4c && data[3] === 0x46;
}
