/*
Where each field of an ELF file sits, for each class: the byte offsets of the ELF spec's
Elf32_* and Elf64_* structs (elf(5)). Readers index these tables instead of asking the class
at every field. Fields that are addresses, file offsets or sizes are `wordSize` bytes wide
(Elf32_Addr/Elf32_Off are 4, Elf64_Addr/Elf64_Off 8); the others have one width in both.
*/

export type ElfLayout = {
	readonly class: 32 | 64;
	/** Bytes of an address, offset or size field. */
	readonly wordSize: 4 | 8;
	/** Elf32_Ehdr / Elf64_Ehdr. The fields before e_entry (e_ident, e_type, e_machine) sit alike. */
	readonly header: {
		readonly size: number;
		readonly phoff: number;
		readonly shoff: number;
		readonly phentsize: number;
		readonly phnum: number;
		readonly shentsize: number;
		readonly shnum: number;
		readonly shstrndx: number;
	};
	/** Elf32_Shdr / Elf64_Shdr; `entrySize` is the least e_shentsize can be. */
	readonly sectionHeader: {
		readonly entrySize: number;
		readonly name: number;
		readonly type: number;
		readonly addr: number;
		readonly offset: number;
		readonly size: number;
		readonly link: number;
		readonly info: number;
		readonly entsize: number;
	};
	/** Elf32_Sym / Elf64_Sym: the 64-bit one moves value and size after the one-byte fields. */
	readonly symbol: {
		readonly entrySize: number;
		readonly name: number;
		readonly value: number;
		readonly size: number;
		readonly info: number;
		readonly shndx: number;
	};
	/** Elf32_Rel(a) / Elf64_Rel(a): r_offset at 0, then r_info, then (RELA only) r_addend. */
	readonly relocation: {
		readonly relSize: number;
		readonly relaSize: number;
		readonly info: number;
		readonly addend: number;
	};
};

export const elf32: ElfLayout = {
	class: 32,
	wordSize: 4,
	header: {size: 52, phoff: 0x1c, shoff: 0x20, phentsize: 0x2a, phnum: 0x2c, shentsize: 0x2e, shnum: 0x30, shstrndx: 0x32},
	sectionHeader: {entrySize: 40, name: 0, type: 4, addr: 0xc, offset: 0x10, size: 0x14, link: 0x18, info: 0x1c, entsize: 0x24},
	symbol: {entrySize: 16, name: 0, value: 4, size: 8, info: 12, shndx: 14},
	relocation: {relSize: 8, relaSize: 12, info: 4, addend: 8},
};

export const elf64: ElfLayout = {
	class: 64,
	wordSize: 8,
	header: {size: 64, phoff: 0x20, shoff: 0x28, phentsize: 0x36, phnum: 0x38, shentsize: 0x3a, shnum: 0x3c, shstrndx: 0x3e},
	sectionHeader: {entrySize: 64, name: 0, type: 4, addr: 0x10, offset: 0x18, size: 0x20, link: 0x28, info: 0x2c, entsize: 0x38},
	symbol: {entrySize: 24, name: 0, value: 8, size: 16, info: 4, shndx: 6},
	relocation: {relSize: 16, relaSize: 24, info: 8, addend: 16},
};

/** e_ident's byte that says the class (EI_CLASS) and the one that says the byte order (EI_DATA). */
export const eiClass = 4;
export const eiData = 5;
/** Where e_type and e_machine sit, in both classes. */
export const eType = 16;
export const eMachine = 18;

/** The layout for an EI_CLASS value (1: ELFCLASS32, 2: ELFCLASS64); undefined for any other. */
export function elfLayout(elfClass: number | undefined): ElfLayout | undefined {
	return elfClass === 1 ? elf32 : elfClass === 2 ? elf64 : undefined;
}
