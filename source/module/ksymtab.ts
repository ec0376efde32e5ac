import {InputError} from '../common/input-error.js';
import {ET_REL, SHN_ABS, SHT_NOBITS, SHT_REL, type ElfFile, type ElfSection} from '../elf/elf-file.js';
import type {ExportType, ModuleExport} from './module-info.js';

/**
`include/linux/module_symbol.h` (the `__kflagstab` series, 7.x): one `u8` of flags per
`__ksymtab` entry, in the same order; this bit marks EXPORT_SYMBOL_GPL. Kernels of that
generation have no `__ksymtab_gpl`/`__kcrctab_gpl` any more.
*/
export const KSYM_FLAG_GPL_ONLY = 1;

const tables: Array<{ksymtab: string; kcrctab: string; exportType: ExportType}> = [
	// Listed first so that, read with __kflagstab, its GPL-only entries keep the file's order.
	{ksymtab: '__ksymtab', kcrctab: '__kcrctab', exportType: 'EXPORT_SYMBOL'},
	{ksymtab: '__ksymtab_gpl', kcrctab: '__kcrctab_gpl', exportType: 'EXPORT_SYMBOL_GPL'},
	{ksymtab: '__ksymtab_unused', kcrctab: '__kcrctab_unused', exportType: 'EXPORT_UNUSED_SYMBOL'},
	{ksymtab: '__ksymtab_unused_gpl', kcrctab: '__kcrctab_unused_gpl', exportType: 'EXPORT_UNUSED_SYMBOL_GPL'},
	{ksymtab: '__ksymtab_gpl_future', kcrctab: '__kcrctab_gpl_future', exportType: 'EXPORT_SYMBOL_GPL_FUTURE'},
];

/**
The exports of a `.ko` or of `vmlinux`: `__ksymtab*` entries with their CRCs from the
parallel `__kcrctab*` arrays. Entry layouts seen in real kernels:
PREL32 `{s32 value, s32 name, s32 namespace}` (x86-64, arm64, … since 4.19; no namespace before 5.4)
or absolute `{ptr value, ptr name, ptr namespace}`. In a `.ko` the fields are zero and
relocations point at the strings; in vmlinux they are resolved in place.
*/
export function readKsymtab(elf: ElfFile): ModuleExport[] {
	const entries: ModuleExport[] = [];
	for (const {ksymtab: section, kcrctab: crcSection, kflagstab: flagSection, exportType} of exportTables(elf)) {
		// SHT_NOBITS claims a size but has no bytes in the file: the reads below would run off its (empty) view.
		const empty = [section, crcSection, flagSection].find(table => table?.type === SHT_NOBITS);
		if (empty) {
			throw new InputError(elf.file, `${empty.name}: export table without data (SHT_NOBITS)`);
		}

		const count = exportEntryCount(elf, section, crcSection, flagSection);
		if (count === 0) {
			continue;
		}

		const entrySize = section.size / count;
		if (!Number.isInteger(entrySize) || ![8, 12, 16, 24].includes(entrySize)) {
			throw new InputError(elf.file, `${section.name}: cannot tell the entry layout (${section.size} bytes for ${count} entries)`);
		}

		const fieldSize = elf.class === 64 && entrySize >= 16 ? 8 : 4;
		const prel32 = fieldSize === 4 && elf.class === 64;
		const fields = entrySize / fieldSize;
		const crcs = crcSection ? readCrcs(elf, crcSection, count) : undefined;
		const flags = flagSection ? elf.sectionData(flagSection) : undefined;
		const resolve = elf.type === ET_REL
			? relocatedStrings(elf, section)
			: inPlaceStrings(elf, section, fieldSize, prel32);
		for (let index = 0; index < count; index++) {
			const base = index * entrySize;
			const name = resolve(base + fieldSize);
			if (name === undefined || name === '') {
				throw new InputError(elf.file, `${section.name}: entry ${index} has no name`);
			}

			entries.push({
				name,
				crc: crcs?.[index],
				exportType: flags ? ((flags[index]! & KSYM_FLAG_GPL_ONLY) === 0 ? 'EXPORT_SYMBOL' : 'EXPORT_SYMBOL_GPL') : exportType,
				namespace: fields >= 3 ? (resolve(base + 2 * fieldSize) ?? '') : '',
			});
		}
	}

	return entries;
}

export type ExportTableSections = {ksymtab: ElfSection; kcrctab: ElfSection | undefined; kflagstab: ElfSection | undefined; exportType: ExportType};

/** Each non-empty export table with its CRC table (paired by name) and, for `__ksymtab`, its flags. */
export function exportTables(elf: ElfFile): ExportTableSections[] {
	const found = [];
	for (const table of tables) {
		const ksymtab = elf.section(table.ksymtab);
		if (ksymtab && ksymtab.size > 0) {
			const kflagstab = table.ksymtab === '__ksymtab' ? elf.section('__kflagstab') : undefined;
			found.push({ksymtab, kcrctab: elf.section(table.kcrctab), kflagstab, exportType: table.exportType});
		}
	}

	return found;
}

/** Whether the file's export tables carry `__kflagstab` (the 7.x generation of symbol tables). */
export function hasExportFlags(elf: ElfFile): boolean {
	return elf.section('__kflagstab') !== undefined;
}

/** How many entries an export table has: one flag byte or one CRC each, else counted from its markers. */
export function exportEntryCount(elf: ElfFile, section: ElfSection, crcSection: ElfSection | undefined, flagSection?: ElfSection): number {
	if (flagSection && flagSection.size > 0) {
		return flagSection.size;
	}

	if (crcSection && crcSection.size > 0 && crcSection.size % 4 === 0) {
		return crcSection.size / 4;
	}

	// Without CRCs, count the `__ksymtab_<name>` marker symbols modpost leaves in a module.
	let markers = 0;
	if (elf.type === ET_REL) {
		for (const symbol of elf.symbols()) {
			if (symbol.shndx === section.index && symbol.name.startsWith('__ksymtab_')) {
				markers++;
			}
		}
	}

	if (markers > 0) {
		return markers;
	}

	// vmlinux without CRCs: both PREL32 and 32-bit absolute entries with a namespace are 12 bytes.
	return section.size % 12 === 0 ? section.size / 12 : 0;
}

function readCrcs(elf: ElfFile, section: ElfSection, count: number): Array<number | undefined> {
	if (section.size < count * 4) {
		throw new InputError(elf.file, `${section.name}: ${Math.floor(section.size / 4)} CRCs for ${count} exports`);
	}

	const view = elf.sectionView(section);
	const crcs: Array<number | undefined> = [];
	for (let index = 0; index < count; index++) {
		crcs.push(view.getUint32(index * 4, elf.littleEndian));
	}

	// Before 5.19 the CRCs were absolute `__crc_<sym>` symbols that `__kcrctab` entries referenced.
	if (elf.type === ET_REL) {
		for (const relocation of elf.relocationsFor(section)) {
			const symbol = elf.symbol(relocation.symbolIndex);
			const index = Number(relocation.offset) / 4;
			if (symbol && symbol.shndx === SHN_ABS && Number.isInteger(index) && index < count) {
				crcs[index] = Number((symbol.value + (relocation.addend ?? 0n)) & 0xffff_ffffn);
			}
		}
	}

	return crcs;
}

/** `.ko`: a field's string is where its relocation points (symbol + addend). */
function relocatedStrings(elf: ElfFile, section: ElfSection): (offset: number) => string | undefined {
	const byOffset = new Map<number, {symbolIndex: number; addend: bigint}>();
	const implicitAddend = elf.sections.some(s => s.type === SHT_REL && s.info === section.index);
	const view = elf.sectionView(section);
	for (const relocation of elf.relocationsFor(section)) {
		const offset = Number(relocation.offset);
		if (offset + 4 > section.size) {
			throw new InputError(elf.file, `relocation at ${offset} lies outside ${section.name}`);
		}

		const addend = relocation.addend ?? (implicitAddend ? BigInt(view.getInt32(offset, elf.littleEndian)) : 0n);
		byOffset.set(offset, {symbolIndex: relocation.symbolIndex, addend});
	}

	return offset => {
		const target = byOffset.get(offset);
		if (!target) {
			return undefined;
		}

		const symbol = elf.symbol(target.symbolIndex);
		const strings = symbol ? elf.sections[symbol.shndx] : undefined;
		if (!symbol || !strings) {
			throw new InputError(elf.file, `${section.name}: relocation refers to invalid symbol ${target.symbolIndex}`);
		}

		const position = Number(symbol.value + target.addend);
		if (position < 0 || position >= strings.size) {
			throw new InputError(elf.file, `${section.name}: string offset ${position} outside section ${strings.index}`); // (its name comes from the file)
		}

		return elf.tableString(strings.offset, strings.offset + strings.size, position);
	};
}

/** vmlinux: PREL32 fields hold `target - &field`, absolute fields hold the address. */
function inPlaceStrings(elf: ElfFile, section: ElfSection, fieldSize: number, prel32: boolean): (offset: number) => string | undefined {
	const view = elf.sectionView(section);
	let cached: ElfSection | undefined;
	return offset => {
		let address: bigint;
		if (prel32) {
			const delta = view.getInt32(offset, elf.littleEndian);
			if (delta === 0) {
				return undefined;
			}

			address = section.addr + BigInt(offset) + BigInt(delta);
		} else {
			address = fieldSize === 8 ? view.getBigUint64(offset, elf.littleEndian) : BigInt(view.getUint32(offset, elf.littleEndian));
			if (address === 0n) {
				return undefined;
			}
		}

		// Names are nearly always in one section (__ksymtab_strings): remember it.
		if (!cached || address < cached.addr || address >= cached.addr + BigInt(cached.size)) {
			cached = elf.sectionAt(address);
		}

		if (!cached) {
			throw new InputError(elf.file, `${section.name}: string address 0x${address.toString(16)} is in no section`);
		}

		const start = cached.offset + Number(address - cached.addr);
		return elf.cString(start, cached.offset + cached.size);
	};
}
