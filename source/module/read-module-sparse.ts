import {closeSync, constants, fstatSync, openSync} from 'node:fs';
import {readAt} from '../common/read-at.js';
import {describeFsError} from '../common/fs-errors.js';
import {InputError, isInputError} from '../common/input-error.js';
import {ElfFile, SHT_NOBITS, SHT_REL, SHT_RELA, SHT_SYMTAB, SHT_SYMTAB_SHNDX, isElf, type ElfSection} from '../elf/elf-file.js';
import {elfLayout} from '../elf/elf-layout.js';
import type {ModuleInfo} from './module-info.js';
import {exportEntryCount, exportTables} from './ksymtab.js';
import {maximumModuleSize, moduleFromElf, parseModule, parseModuleBytes, readModuleFile} from './read-module.js';

/** Sections parseModule reads by name; code and data are never looked at. */
const wanted = new Set(['.modinfo', '__versions', '__version_ext_crcs', '__version_ext_names']);

/**
One buffer for every module, as big as the biggest so far: a fresh zeroed buffer of each
file's size (400 MB for the 4,022 modules of a distribution kernel) costs more than the reads.
Only what the previous module wrote is cleared, so unread bytes are always zero.
*/
let pool = new Uint8Array(1024 * 1024);
let written: Array<[offset: number, end: number]> = [];
const poolLimit = 64 * 1024 * 1024;
/** Files up to this size are read whole, in one call: seven in ten of a distribution's modules. */
const wholeReadSize = 64 * 1024;

/**
Reads a module the way parseModule needs it, without reading the whole file: the ELF header,
section headers, `.modinfo`, `__versions`, the symbol table, the export tables with their
relocations, and the signature trailer go into a zeroed buffer at their own offsets, so every
parser works unchanged. Code, data and the other relocations (most of a module) stay on disk.
Small modules, compressed ones, and any whose layout is not plain enough to be sure, are read whole.
*/
export async function readModuleSparse(file: string, {wholeUpTo = wholeReadSize} = {}): Promise<ModuleInfo> {
	let fd: number;
	try {
		// Non-blocking: a FIFO without a writer must not hold the scan in open().
		fd = openSync(file, constants.O_RDONLY | constants.O_NONBLOCK);
	} catch (error) {
		throw new InputError(file, describeFsError(error));
	}

	try {
		// A pipe, a FIFO or a device has no offsets to read at: the bounded whole-file reader takes it.
		if (!fstatSync(fd).isFile()) {
			return await readModuleFile(file);
		}

		for (const [offset, end] of written) {
			pool.fill(0, offset, end);
		}

		// Small files (most modules) in one read: a short read is the whole file.
		const head = readAt(fd, pool, 0, wholeUpTo, 0);
		written = [[0, head]];
		if (head < wholeUpTo) {
			return await parseReusedModuleBytes(pool.subarray(0, head), file);
		}

		const size = fstatSync(fd).size;
		if (size > maximumModuleSize) {
			throw new InputError(file, `${size} bytes: too big for a kernel module`);
		}

		if (pool.length < size) {
			const bigger = new Uint8Array(size);
			bigger.set(pool.subarray(0, head));
			pool = bigger;
		}

		// The first `head` bytes are in place already: ranges are read from there on.
		const data = pool.subarray(0, size);
		const read = (offset: number, length: number) => {
			const start = Math.max(offset, head);
			const end = Math.min(size, offset + length);
			if (start < end) {
				written.push([start, end]);
				readRange(fd, data, start, end, file);
			}
		};

		const elf = isElf(data) ? readSparse(data, file, read) : undefined;
		if (!elf) {
			// Compressed, or odd enough to deserve the full reader and its errors.
			const whole = new Uint8Array(size);
			readRange(fd, whole, 0, size, file);
			return await parseModuleBytes(whole, file);
		}

		// Nothing parseModule returns points into the buffer: it is free again after this.
		return moduleFromElf(elf);
	} finally {
		closeSync(fd);
		if (pool.length > poolLimit) {
			pool = new Uint8Array(1024 * 1024);
			written = [];
		}
	}
}

/**
A whole module file's bytes, plain or compressed, in a buffer that is reused once this settles.
Decompression is asynchronous: a compressed module gets a copy, so the buffer may be reused
(or shared) while it runs.
*/
export async function parseReusedModuleBytes(data: Uint8Array, file: string): Promise<ModuleInfo> {
	return isElf(data) ? parseModule(data, file) : parseModuleBytes(data.slice(), file);
}

function readRange(fd: number, data: Uint8Array, offset: number, end: number, file: string): void {
	end = Math.min(end, data.length);
	if (offset < end && readAt(fd, data, offset, end - offset, offset) < end - offset) {
		throw new InputError(file, 'file shrank while being read');
	}
}

/** Sections this close together are read in one call: a syscall costs more than a few KB of copying. */
const mergeGap = 4096;
const isExportTable = (name: string) => name.startsWith('__ksymtab') || name.startsWith('__kcrctab') || name === '__kflagstab';

/**
Reads into place what parseModule will look at and returns the module's ElfFile over the
buffer. Only the start needs reading by hand: where the section headers and their names are.
Undefined when the file is not plain enough to be sure of the rest (extended numbering, tables
past the end, an export name relocated into a section not read): the caller then reads the
whole file and lets the full reader judge it.
*/
function readSparse(data: Uint8Array, file: string, read: (offset: number, length: number) => void): ElfFile | undefined {
	const layout = elfLayout(data[4]);
	const little = data[5] === 1;
	if (!layout || (data[5] !== 1 && data[5] !== 2) || data.length < layout.header.size) {
		return undefined;
	}

	const {header, sectionHeader} = layout;
	const view = new DataView(data.buffer, data.byteOffset, data.byteLength);
	const word = (offset: number) => (layout.wordSize === 8 ? Number(view.getBigUint64(offset, little)) : view.getUint32(offset, little));
	const shoff = word(header.shoff);
	const shentsize = view.getUint16(header.shentsize, little);
	const shnum = view.getUint16(header.shnum, little);
	const shstrndx = view.getUint16(header.shstrndx, little);
	if (shoff === 0 || shnum === 0 || shstrndx >= shnum || shentsize < sectionHeader.entrySize || shoff + (shnum * shentsize) > data.length) {
		return undefined;
	}

	// The section headers, the section names (ld puts them just before) and the signature
	// (after the ELF data) sit at the end of a module: one read from a little before them.
	const tail = Math.max(64, shoff - mergeGap);
	read(tail, data.length - tail);
	const namesHeader = shoff + (shstrndx * shentsize);
	const namesOffset = word(namesHeader + sectionHeader.offset);
	const namesSize = word(namesHeader + sectionHeader.size);
	if (namesOffset + namesSize > data.length) {
		return undefined;
	}

	if (namesOffset < tail) {
		read(namesOffset, namesSize);
	}

	try {
		const elf = new ElfFile(data, file);
		const exportSections = new Set(elf.sections.filter(section => isExportTable(section.name)).map(section => section.index));
		const symtab = elf.sections.find(section => section.type === SHT_SYMTAB);
		const needed = elf.sections.filter(section => section.index !== 0 && section.type !== SHT_NOBITS && (
			wanted.has(section.name)
			|| exportSections.has(section.index)
			|| ((section.type === SHT_REL || section.type === SHT_RELA) && exportSections.has(section.info))
			|| (symtab !== undefined && (section === symtab || section.index === symtab.link || (section.type === SHT_SYMTAB_SHNDX && section.link === symtab.index)))));
		readMerged(needed, tail, read);
		return exportNamesRead(elf, exportSections) ? elf : undefined;
	} catch (error) {
		if (isInputError(error)) {
			return undefined;
		}

		throw error;
	}
}

/** The sections' bytes before `tail` (the rest is read), in file order, neighbours in one read. */
function readMerged(sections: ElfSection[], tail: number, read: (offset: number, length: number) => void): void {
	let pending: [number, number] | undefined;
	for (const section of sections.sort((a, b) => a.offset - b.offset)) {
		const end = Math.min(section.offset + section.size, tail);
		if (end <= section.offset) {
			continue;
		}

		if (pending && section.offset <= pending[1] + mergeGap) {
			pending[1] = Math.max(pending[1], end);
		} else {
			if (pending) {
				read(pending[0], pending[1] - pending[0]);
			}

			pending = [section.offset, end];
		}
	}

	if (pending) {
		read(pending[0], pending[1] - pending[0]);
	}
}

/**
Export names and namespaces are found through relocations: each must use a symbol in an export
section, which was read (in real modules, __ksymtab_strings), else the sparse copy could differ.
An entry's first field (the exported value) points into code: not needed. Entries are counted
as readKsymtab counts them (one flag byte or one CRC each).
*/
function exportNamesRead(elf: ElfFile, exportSections: Set<number>): boolean {
	for (const {ksymtab, kcrctab, kflagstab} of exportTables(elf)) {
		const count = exportEntryCount(elf, ksymtab, kcrctab, kflagstab);
		const entrySize = count > 0 ? ksymtab.size / count : Number.NaN;
		if (!Number.isInteger(entrySize) || entrySize === 0) {
			return false;
		}

		for (const relocation of elf.relocationsFor(ksymtab)) {
			if (Number(relocation.offset) % entrySize !== 0 && !exportSections.has(elf.symbol(relocation.symbolIndex)?.shndx ?? -1)) {
				return false;
			}
		}
	}

	return true;
}
