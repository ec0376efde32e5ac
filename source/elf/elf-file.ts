import {InputError} from '../common/input-error.js';
import {eiClass, eiData, eMachine, eType, elfLayout, type ElfLayout} from './elf-layout.js';

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
		return this.elf.word(this.base + this.elf.layout.symbol.value);
	}

	get size(): bigint {
		return this.elf.word(this.base + this.elf.layout.symbol.size);
	}
}

export type ElfRelocation = {
	offset: bigint;
	type: number;
	symbolIndex: number;
	/** RELA addend; for REL sections the caller reads the implicit addend in place. */
	addend: bigint | undefined;
};

/** What the ELF header says of the section and program header tables, extended numbering resolved. */
type ElfHeader = {
	shoff: number;
	shentsize: number;
	shnum: number;
	shstrndx: number;
	phoff: number;
	phentsize: number;
	phnum: number;
};

export class ElfFile {
	readonly class: 32 | 64;
	readonly endianness: 'little' | 'big';
	readonly type: number;
	readonly machine: number;
	readonly sections: ElfSection[];
	/** Bytes after the last byte any header or section claims: where a module signature sits. */
	readonly elfEnd: number;
	/** Where each field sits in this file's class. */
	readonly layout: ElfLayout;
	private readonly view: DataView;
	/** Buffer view of `data`: native indexOf and latin1 decoding, far cheaper per call than TextDecoder. */
	private readonly bytes: Buffer;
	private readonly little: boolean;
	/** Whether addresses, offsets and sizes are 8 bytes (ELF64). */
	private readonly wide: boolean;
	private symbolCache: ElfSymbol[] | undefined;
	private symbolMemo: Map<number, ElfSymbol> | undefined;
	private readonly tables = new Map<number, string>();
	private readonly relocationCache = new Map<number, ElfRelocation[]>();

	constructor(readonly data: Uint8Array, readonly file: string) {
		this.layout = identify(data, file);
		this.class = this.layout.class;
		this.wide = this.layout.wordSize === 8;
		this.little = data[eiData] === 1;
		this.endianness = this.little ? 'little' : 'big';
		this.view = new DataView(data.buffer, data.byteOffset, data.byteLength);
		this.bytes = Buffer.from(data.buffer, data.byteOffset, data.byteLength);
		this.type = this.u16(eType);
		this.machine = this.u16(eMachine);
		const header = this.readHeader();
		this.sections = this.readSectionHeaders(header);
		this.elfEnd = this.dataEnd(header);
	}

	/** The ELF header's table fields. The header's length is checked: its fields need no check each. */
	private readHeader(): ElfHeader {
		const fields = this.layout.header;
		const header: ElfHeader = {
			shoff: this.wordAt(fields.shoff, 'e_shoff'),
			shentsize: this.view.getUint16(fields.shentsize, this.little),
			shnum: this.view.getUint16(fields.shnum, this.little),
			shstrndx: this.view.getUint16(fields.shstrndx, this.little),
			phoff: this.wordAt(fields.phoff, 'e_phoff'),
			phentsize: this.view.getUint16(fields.phentsize, this.little),
			phnum: this.view.getUint16(fields.phnum, this.little),
		};
		if (header.shoff === 0) {
			throw new InputError(this.file, 'ELF file has no section header table');
		}

		if (header.shentsize < this.layout.sectionHeader.entrySize) {
			throw new InputError(this.file, `invalid ELF section header size ${header.shentsize}`);
		}

		// Extended numbering: the real counts live in section 0.
		if (header.shnum === 0 || header.shstrndx === SHN_XINDEX) {
			this.checkRange(header.shoff, header.shentsize, 'section header 0');
			if (header.shnum === 0) {
				header.shnum = this.wordAt(header.shoff + this.layout.sectionHeader.size, 'sh_size');
			}

			if (header.shstrndx === SHN_XINDEX) {
				header.shstrndx = this.view.getUint32(header.shoff + this.layout.sectionHeader.link, this.little);
			}
		}

		this.checkRange(header.shoff, header.shnum * header.shentsize, `section header table (${header.shnum} entries at offset ${header.shoff})`);
		return header;
	}

	/**
	Every section header, each built once, name included (no object spread): the name table is
	found first. The whole table's range is checked, and an entry is at least as long as the
	fields read: no check per field (a scan reads half a million of them).
	*/
	private readSectionHeaders({shoff, shentsize, shnum, shstrndx}: ElfHeader): ElfSection[] {
		const fields = this.layout.sectionHeader;
		const namesBase = shoff + shstrndx * shentsize;
		const namesType = shstrndx < shnum ? this.view.getUint32(namesBase + fields.type, this.little) : -1;
		if (namesType !== SHT_STRTAB) {
			throw new InputError(this.file, `invalid section name table index ${shstrndx}`);
		}

		const namesOffset = this.wordAt(namesBase + fields.offset, 'sh_offset');
		const namesSize = this.wordAt(namesBase + fields.size, 'sh_size');
		this.checkContents(shstrndx, namesOffset, namesSize);
		const sections: ElfSection[] = [];
		const {view, little} = this;
		for (let index = 0; index < shnum; index++) {
			const base = shoff + index * shentsize;
			const nameOffset = view.getUint32(base + fields.name, little);
			const section: ElfSection = {
				index,
				name: nameOffset === 0 ? '' : this.tableString(namesOffset, namesOffset + namesSize, nameOffset),
				type: view.getUint32(base + fields.type, little),
				addr: this.addressAt(base + fields.addr),
				offset: this.wordAt(base + fields.offset, 'sh_offset'),
				size: this.wordAt(base + fields.size, 'sh_size'),
				link: view.getUint32(base + fields.link, little),
				info: view.getUint32(base + fields.info, little),
				entsize: this.wordAt(base + fields.entsize, 'sh_entsize'),
			};
			if (holdsFileBytes(section)) {
				this.checkContents(index, section.offset, section.size);
			}

			sections.push(section);
		}

		return sections;
	}

	private checkContents(index: number, offset: number, size: number): void {
		if (offset + size > this.data.length) {
			throw new InputError(this.file, `section ${index} lies outside the file (offset ${offset}, size ${size}, file ${this.data.length} bytes)`);
		}
	}

	/** The end of the last header table or section contents in the file. */
	private dataEnd({shoff, shentsize, shnum, phoff, phentsize, phnum}: ElfHeader): number {
		let end = Math.max(this.layout.header.size, shoff + shnum * shentsize);
		if (phnum > 0 && phoff > 0 && phoff + phnum * phentsize <= this.data.length) {
			end = Math.max(end, phoff + phnum * phentsize);
		}

		for (const section of this.sections) {
			if (holdsFileBytes(section)) {
				end = Math.max(end, section.offset + section.size);
			}
		}

		return end;
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
		const fields = this.layout.symbol;
		const count = Math.floor(symtab.size / fields.entrySize);
		for (let index = 0; index < count; index++) {
			const base = symtab.offset + (index * fields.entrySize);
			const bind = this.data[base + fields.info]! >> 4;
			if (this.view.getUint16(base + fields.shndx, this.little) !== SHN_UNDEF || (bind !== STB_GLOBAL && bind !== STB_WEAK)) {
				continue;
			}

			const nameOffset = this.view.getUint32(base + fields.name, this.little);
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
		if (!symtab || !Number.isInteger(index) || index < 0 || index >= Math.floor(symtab.size / this.layout.symbol.entrySize)) {
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
		const fields = this.layout.symbol;
		const count = Math.floor(symtab.size / fields.entrySize);
		const xindex = this.sections.find(section => section.type === SHT_SYMTAB_SHNDX && section.link === symtab.index);
		const symbols: ElfSymbol[] = [];
		const strings = {offset: strtab.offset, end: strtab.offset + strtab.size};
		for (let index = only ?? 0; index < (only === undefined ? count : only + 1); index++) {
			const base = symtab.offset + index * fields.entrySize;
			const nameOffset = this.view.getUint32(base + fields.name, this.little);
			const info = this.data[base + fields.info]!;
			let shndx = this.view.getUint16(base + fields.shndx, this.little);

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
		const fields = this.layout.relocation;
		const entrySize = rela ? fields.relaSize : fields.relSize;
		const count = Math.floor(section.size / entrySize);
		const relocations: ElfRelocation[] = [];
		// r_info packs the symbol index and the type: ELF64_R_SYM/TYPE split it at bit 32, ELF32_R_* at bit 8.
		for (let index = 0; index < count; index++) {
			const base = section.offset + index * entrySize;
			if (this.class === 64) {
				const info = this.u64(base + fields.info);
				relocations.push({
					offset: this.u64(base),
					symbolIndex: Number(info >> 32n),
					type: Number(info & 0xffff_ffffn),
					addend: rela ? this.view.getBigInt64(base + fields.addend, this.little) : undefined,
				});
			} else {
				const info = this.u32(base + fields.info);
				relocations.push({
					offset: BigInt(this.u32(base)),
					symbolIndex: info >>> 8,
					type: info & 0xff,
					addend: rela ? BigInt(this.view.getInt32(base + fields.addend, this.little)) : undefined,
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

	/** An address- or size-wide field (4 bytes in ELF32, 8 in ELF64). */
	word(offset: number): bigint {
		return this.wide ? this.u64(offset) : BigInt(this.u32(offset));
	}

	/**
	A file offset or size (a word) as a number, without a BigInt each: a scan reads ~500,000 of
	them. Unchecked: for fields inside a range already checked.
	*/
	private wordAt(offset: number, what: string): number {
		return this.wide ? this.number64At(offset, what) : this.view.getUint32(offset, this.little);
	}

	private number64At(offset: number, what: string): number {
		const high = this.view.getUint32(offset + (this.little ? 4 : 0), this.little);
		if (high > 0x1F_FFFF) { // Past Number.MAX_SAFE_INTEGER.
			this.absurd(offset, what);
		}

		return (high * 0x1_0000_0000) + this.view.getUint32(offset + (this.little ? 0 : 4), this.little);
	}

	/** Out of line, so that the reads above stay small enough to be inlined into the loops. */
	private absurd(offset: number, what: string): never {
		throw new InputError(this.file, `absurd ELF ${what} ${this.view.getBigUint64(offset, this.little)}`);
	}

	/** An address, unchecked like wordAt. In a module mostly small or zero, which need no 64-bit read. */
	private addressAt(offset: number): bigint {
		if (!this.wide) {
			return BigInt(this.view.getUint32(offset, this.little));
		}

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

/** Checks e_ident (magic, class, byte order) and that the whole ELF header is there; the class's layout. */
function identify(data: Uint8Array, file: string): ElfLayout {
	if (!isElf(data)) {
		throw new InputError(file, 'not an ELF file (bad magic)');
	}

	if (data.length < 16) {
		throw new InputError(file, `truncated ELF header (${data.length} bytes)`);
	}

	const layout = elfLayout(data[eiClass]);
	if (!layout) {
		throw new InputError(file, `invalid ELF class ${data[eiClass] ?? '?'}`);
	}

	const dataEncoding = data[eiData];
	if (dataEncoding !== 1 && dataEncoding !== 2) {
		throw new InputError(file, `invalid ELF data encoding ${dataEncoding ?? '?'}`);
	}

	if (data.length < layout.header.size) {
		throw new InputError(file, `truncated ELF header (${data.length} bytes)`);
	}

	return layout;
}

/** Whether a section's contents are bytes of the file (section 0 and NOBITS ones have none). */
function holdsFileBytes(section: ElfSection): boolean {
	return section.type !== SHT_NOBITS && section.index !== 0;
}

export function isElf(data: Uint8Array): boolean {
	return data.length >= 4 && data[0] === 0x7f && data[1] === 0x45 && data[2] === 0x4c && data[3] === 0x46;
}
