import {closeSync, fstatSync, openSync, readSync} from 'node:fs';
import {describeFsError} from '../common/fs-errors.js';
import {InputError} from '../common/input-error.js';
import {maybeDecompress} from '../compression/decompress.js';
import {SHT_NOBITS, SHT_REL, SHT_RELA, SHT_SYMTAB, isElf} from '../elf/elf-file.js';
import type {ModuleInfo} from '../module/module-info.js';
import {parseModule} from '../module/read-module.js';

const maximumModuleSize = 256 * 1024 * 1024;
const SHT_SYMTAB_SHNDX = 18;

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
		fd = openSync(file, 'r');
	} catch (error) {
		throw new InputError(file, describeFsError(error));
	}

	try {
		for (const [offset, end] of written) {
			pool.fill(0, offset, end);
		}

		// Small files (most modules) in one read: a short read is the whole file, no fstat needed.
		const head = readUpTo(fd, pool, wholeUpTo);
		written = [[0, head]];
		if (head < wholeUpTo) {
			const whole = pool.subarray(0, head);
			if (isElf(whole)) {
				return parseModule(whole, file);
			}

			// Compressed (decompression is asynchronous: the next module must not reuse the buffer yet).
			const {data: plain, compression} = await maybeDecompress(whole.slice(), file, {maxSize: maximumModuleSize});
			return parseModule(plain, file, compression);
		}

		const size = fstatSync(fd).size;
		if (size > maximumModuleSize) {
			throw new InputError(file, `${size} bytes: too big for a kernel module`);
		}

		if (pool.length < size) {
			pool = new Uint8Array(size);
			written = [];
		}

		const data = pool.subarray(0, size);
		const read = (offset: number, length: number) => {
			written.push([offset, Math.min(size, offset + length)]);
			readRange(fd, data, offset, offset + length, file);
		};

		read(0, 64);
		const layout = isElf(data) ? readLayout(data, read) : undefined;
		if (!layout) {
			// Compressed, or odd enough to deserve the full reader and its errors.
			const whole = new Uint8Array(size);
			readRange(fd, whole, 0, size, file);
			const {data: plain, compression} = await maybeDecompress(whole, file, {maxSize: maximumModuleSize});
			return parseModule(plain, file, compression);
		}

		// Nothing parseModule returns points into the buffer: it is free again after this.
		return parseModule(data, file);
	} finally {
		closeSync(fd);
		if (pool.length > poolLimit) {
			pool = new Uint8Array(1024 * 1024);
			written = [];
		}
	}
}

/** Reads from the start of the file until `length` bytes or the end; returns how many. */
function readUpTo(fd: number, data: Uint8Array, length: number): number {
	let at = 0;
	while (at < length) {
		const count = readSync(fd, data, at, length - at, at);
		if (count === 0) {
			break;
		}

		at += count;
	}

	return at;
}

function readRange(fd: number, data: Uint8Array, offset: number, end: number, file: string): void {
	end = Math.min(end, data.length);
	for (let at = offset; at < end;) {
		const count = readSync(fd, data, at, end - at, at);
		if (count === 0) {
			throw new InputError(file, 'file shrank while being read');
		}

		at += count;
	}
}

const encoder = new TextEncoder();
const wantedNames = [...wanted].map(name => encoder.encode(name + '\0'));
const exportPrefixes = [encoder.encode('__ksymtab'), encoder.encode('__kcrctab')];
/** Sections this close together are read in one call: a syscall costs more than a few KB of copying. */
const mergeGap = 4096;

/**
Reads into place what parseModule will look at, comparing section names as bytes (decoding
every name costs more than the reading saved). False when the headers are not plain enough to
be sure of that (extended numbering, out-of-range offsets, an export relocation that points
into a section not read): the caller then reads the whole file and lets ElfFile judge it.
*/
function readLayout(data: Uint8Array, read: (offset: number, length: number) => void): boolean {
	const is64 = data[4] === 2;
	const little = data[5] === 1;
	if ((data[4] !== 1 && !is64) || (data[5] !== 1 && data[5] !== 2) || data.length < (is64 ? 64 : 52)) {
		return false;
	}

	const view = new DataView(data.buffer, data.byteOffset, data.byteLength);
	const word = (offset: number) => (is64 ? Number(view.getBigUint64(offset, little)) : view.getUint32(offset, little));
	const shoff = word(is64 ? 0x28 : 0x20);
	const shentsize = view.getUint16(is64 ? 0x3a : 0x2e, little);
	const shnum = view.getUint16(is64 ? 0x3c : 0x30, little);
	const shstrndx = view.getUint16(is64 ? 0x3e : 0x32, little);
	if (shoff === 0 || shnum === 0 || shstrndx >= shnum || shentsize < (is64 ? 64 : 40) || shoff + (shnum * shentsize) > data.length) {
		return false;
	}

	// The section headers, the section names (ld puts them just before) and the signature
	// (after the ELF data) sit at the end of a module: one read from a little before them.
	const tail = Math.max(64, shoff - mergeGap);
	read(tail, data.length - tail);
	const header = (index: number) => {
		const base = shoff + (index * shentsize);
		return {
			index,
			name: view.getUint32(base, little),
			type: view.getUint32(base + 4, little),
			offset: word(base + (is64 ? 0x18 : 0x10)),
			size: word(base + (is64 ? 0x20 : 0x14)),
			link: view.getUint32(base + (is64 ? 0x28 : 0x18), little),
			info: view.getUint32(base + (is64 ? 0x2c : 0x1c), little),
		};
	};

	const sections = Array.from({length: shnum}, (_, index) => header(index));
	const names = sections[shstrndx]!;
	if (names.offset + names.size > data.length) {
		return false;
	}

	if (names.offset < tail) {
		read(names.offset, names.size);
	}

	// `expected` ends in NUL for a whole name, not for a prefix.
	const nameIs = (offset: number, expected: Uint8Array) => {
		const at = names.offset + offset;
		if (offset >= names.size || at + expected.length > data.length) {
			return false;
		}

		for (let index = 0; index < expected.length; index++) {
			if (data[at + index] !== expected[index]) {
				return false;
			}
		}

		return true;
	};

	const ranges: Array<[offset: number, length: number]> = [];
	const exportSections = new Set<number>();
	let symtab: (typeof sections)[number] | undefined;
	for (const section of sections) {
		if (section.index === 0 || section.type === SHT_NOBITS) {
			continue;
		}

		if (section.offset + section.size > data.length) {
			return false;
		}

		if (section.type === SHT_SYMTAB) {
			symtab ??= section;
		} else if (exportPrefixes.some(prefix => nameIs(section.name, prefix))) {
			exportSections.add(section.index);
			ranges.push([section.offset, section.size]);
		} else if (wantedNames.some(name => nameIs(section.name, name))) {
			ranges.push([section.offset, section.size]);
		}
	}

	const relocations = sections.filter(section => (section.type === SHT_REL || section.type === SHT_RELA) && exportSections.has(section.info));
	for (const section of relocations) {
		ranges.push([section.offset, section.size]);
	}

	if (symtab) {
		ranges.push([symtab.offset, symtab.size]);
		const strings = sections[symtab.link];
		if (strings && strings.type !== SHT_NOBITS) {
			ranges.push([strings.offset, strings.size]);
		}

		for (const section of sections) {
			if (section.type === SHT_SYMTAB_SHNDX && section.link === symtab.index) {
				ranges.push([section.offset, section.size]);
			}
		}
	}

	// In file order, neighbours merged, what the tail read already has left out.
	ranges.sort((a, b) => a[0] - b[0]);
	let pending: [number, number] | undefined;
	for (const [offset, length] of ranges) {
		const end = Math.min(offset + length, tail);
		if (end <= offset) {
			continue;
		}

		if (pending && offset <= pending[1] + mergeGap) {
			pending[1] = Math.max(pending[1], end);
		} else {
			if (pending) {
				read(pending[0], pending[1] - pending[0]);
			}

			pending = [offset, end];
		}
	}

	if (pending) {
		read(pending[0], pending[1] - pending[0]);
	}

	// Export names and namespaces are found through relocations: each of those must use a symbol
	// in a section that was read (in real modules, __ksymtab_strings), else the sparse copy could
	// differ. The first field of an entry (the exported value) points into code: not needed.
	if (relocations.length > 0) {
		const sectionName = (index: number) => {
			const start = names.offset + sections[index]!.name;
			const end = data.indexOf(0, start);
			return end === -1 ? '' : String.fromCharCode(...data.subarray(start, end));
		};

		const symbolSize = is64 ? 24 : 16;
		for (const section of relocations) {
			const target = sections[section.info]!;
			const name = sectionName(target.index);
			if (name.startsWith('__kcrctab')) {
				continue; // CRCs: absolute symbols (before 5.19), whose values are in the symbol table.
			}

			// Entries per table as readKsymtab counts them: one CRC each.
			const crcs = sections.find(candidate => exportSections.has(candidate.index) && sectionName(candidate.index) === name.replace('__ksymtab', '__kcrctab'));
			const entrySize = crcs && crcs.size > 0 ? target.size / (crcs.size / 4) : Number.NaN;
			if (!symtab || !Number.isInteger(entrySize) || entrySize === 0) {
				return false;
			}

			const relocationSize = is64 ? (section.type === SHT_RELA ? 24 : 16) : (section.type === SHT_RELA ? 12 : 8);
			for (let at = section.offset; at + relocationSize <= section.offset + section.size; at += relocationSize) {
				if (word(at) % entrySize === 0) {
					continue;
				}

				const symbol = is64 ? Number(view.getBigUint64(at + 8, little) >> 32n) : view.getUint32(at + 4, little) >>> 8;
				const entry = symtab.offset + (symbol * symbolSize);
				if (entry + symbolSize > symtab.offset + symtab.size) {
					return false;
				}

				const shndx = view.getUint16(entry + (is64 ? 6 : 14), little);
				if (!exportSections.has(shndx)) {
					return false;
				}
			}
		}
	}

	return true;
}
