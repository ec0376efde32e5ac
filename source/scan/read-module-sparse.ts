import {closeSync, fstatSync, openSync, readSync} from 'node:fs';
import {describeFsError} from '../common/fs-errors.js';
import {InputError} from '../common/input-error.js';
import {maybeDecompress} from '../compression/decompress.js';
import {SHT_NOBITS, SHT_SYMTAB, isElf} from '../elf/elf-file.js';
import type {ModuleInfo} from '../module/module-info.js';
import {parseModule} from '../module/read-module.js';

const maximumModuleSize = 256 * 1024 * 1024;
const SHT_SYMTAB_SHNDX = 18;

/** Sections parseModule reads when the module exports nothing; code and data are never looked at. */
const wanted = new Set(['.modinfo', '__versions', '__version_ext_crcs', '__version_ext_names']);

/**
Reads a module the way parseModule needs it, without reading the whole file: the ELF header,
section headers, `.modinfo`, `__versions`, the symbol table and the signature trailer go into a
zeroed buffer of the file's size at their own offsets, so every parser works unchanged. Code,
data and relocations (most of a module) stay on disk. Modules with exports (`__ksymtab*`,
whose names are reached through relocations and symbols) and compressed modules are read whole.
*/
export async function readModuleSparse(file: string): Promise<ModuleInfo> {
	let fd: number;
	try {
		fd = openSync(file, 'r');
	} catch (error) {
		throw new InputError(file, describeFsError(error));
	}

	try {
		const size = fstatSync(fd).size;
		if (size > maximumModuleSize) {
			throw new InputError(file, `${size} bytes: too big for a kernel module`);
		}

		const data = new Uint8Array(size);
		const read = (offset: number, length: number) => {
			const end = Math.min(size, offset + length);
			for (let at = offset; at < end;) {
				const count = readSync(fd, data, at, end - at, at);
				if (count === 0) {
					throw new InputError(file, 'file shrank while being read');
				}

				at += count;
			}
		};

		read(0, 64);
		const layout = isElf(data) ? readLayout(data, read) : undefined;
		if (!layout || layout.exports) {
			// Compressed, exporting, or odd enough to deserve the full reader and its errors.
			read(64, size);
			const {data: plain, compression} = await maybeDecompress(data, file, {maxSize: maximumModuleSize});
			return parseModule(plain, file, compression);
		}

		for (const [offset, length] of layout.ranges) {
			read(offset, length);
		}

		// The appended signature sits after the last byte of ELF data.
		read(layout.elfEnd, size - layout.elfEnd);
		return parseModule(data, file);
	} finally {
		closeSync(fd);
	}
}

type Layout = {ranges: Array<[offset: number, length: number]>; elfEnd: number; exports: boolean};

const encoder = new TextEncoder();
const wantedNames = [...wanted].map(name => encoder.encode(name + '\0'));
const ksymtabPrefix = encoder.encode('__ksymtab');

/**
Reads the section headers and their name table into place and picks the sections parseModule
will read, comparing names as bytes (decoding every name costs more than the reading saved).
Returns undefined when the headers are not plain enough to locate them (extended numbering,
out-of-range offsets): the caller then reads the whole file and lets ElfFile report the problem.
*/
function readLayout(data: Uint8Array, read: (offset: number, length: number) => void): Layout | undefined {
	const is64 = data[4] === 2;
	const little = data[5] === 1;
	if ((data[4] !== 1 && !is64) || (data[5] !== 1 && data[5] !== 2)) {
		return undefined;
	}

	const view = new DataView(data.buffer, data.byteOffset, data.byteLength);
	const word = (offset: number) => (is64 ? Number(view.getBigUint64(offset, little)) : view.getUint32(offset, little));
	const shoff = word(is64 ? 0x28 : 0x20);
	const shentsize = view.getUint16(is64 ? 0x3a : 0x2e, little);
	const shnum = view.getUint16(is64 ? 0x3c : 0x30, little);
	const shstrndx = view.getUint16(is64 ? 0x3e : 0x32, little);
	if (shoff === 0 || shnum === 0 || shstrndx >= shnum || shentsize < (is64 ? 64 : 40) || shoff + (shnum * shentsize) > data.length) {
		return undefined;
	}

	read(shoff, shnum * shentsize);
	const header = (index: number) => {
		const base = shoff + (index * shentsize);
		return {
			name: view.getUint32(base, little),
			type: view.getUint32(base + 4, little),
			offset: word(base + (is64 ? 0x18 : 0x10)),
			size: word(base + (is64 ? 0x20 : 0x14)),
			link: view.getUint32(base + (is64 ? 0x28 : 0x18), little),
		};
	};

	const names = header(shstrndx);
	if (names.offset + names.size > data.length) {
		return undefined;
	}

	read(names.offset, names.size);
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

	// Like ElfFile.elfEnd: past every header and every section with file contents.
	const phoff = word(is64 ? 0x20 : 0x1c);
	const phentsize = view.getUint16(is64 ? 0x36 : 0x2a, little);
	const phnum = view.getUint16(is64 ? 0x38 : 0x2c, little);
	let elfEnd = Math.max(is64 ? 64 : 52, shoff + (shnum * shentsize));
	if (phnum > 0 && phoff > 0 && phoff + (phnum * phentsize) <= data.length) {
		elfEnd = Math.max(elfEnd, phoff + (phnum * phentsize));
	}

	const ranges: Layout['ranges'] = [];
	let symtab = -1;
	const sections = Array.from({length: shnum}, (_, index) => header(index));
	for (const [index, section] of sections.entries()) {
		if (index === 0 || section.type === SHT_NOBITS) {
			continue;
		}

		if (section.offset + section.size > data.length) {
			return undefined;
		}

		elfEnd = Math.max(elfEnd, section.offset + section.size);
		if (section.type === SHT_SYMTAB && symtab === -1) {
			symtab = index;
		} else if (nameIs(section.name, ksymtabPrefix) && section.size > 0) {
			return {ranges, elfEnd, exports: true};
		} else if (wantedNames.some(name => nameIs(section.name, name))) {
			ranges.push([section.offset, section.size]);
		}
	}

	if (symtab !== -1) {
		const table = sections[symtab]!;
		ranges.push([table.offset, table.size]);
		const strings = sections[table.link];
		if (strings && strings.type !== SHT_NOBITS) {
			ranges.push([strings.offset, strings.size]);
		}

		for (const section of sections) {
			if (section.type === SHT_SYMTAB_SHNDX && section.link === symtab) {
				ranges.push([section.offset, section.size]);
			}
		}
	}

	return {ranges, elfEnd, exports: false};
}
