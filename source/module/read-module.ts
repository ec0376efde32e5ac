import path from 'node:path';
import {InputError} from '../common/input-error.js';
import {maybeDecompress} from '../compression/decompress.js';
import {ET_REL, ElfFile, STB_WEAK, machineName} from '../elf/elf-file.js';
import type {ModuleImport, ModuleInfo} from './module-info.js';
import {hasExportFlags, readKsymtab} from './ksymtab.js';
import {readModinfo} from './modinfo.js';
import {readModversions} from './modversions.js';
import {readBounded} from '../common/read-bounded.js';
import {readSignature} from './signature.js';

/** Modules are small (a few MB at most); a bigger file is not a module. */
export const maximumModuleSize = 256 * 1024 * 1024;

export async function readModuleFile(file: string): Promise<ModuleInfo> {
	return parseModuleBytes(await readBounded(file, maximumModuleSize, 'a kernel module'), file);
}

/** A module from its file's bytes, plain or compressed (told by magic); `file` names it in errors. */
export async function parseModuleBytes(raw: Uint8Array, file: string): Promise<ModuleInfo> {
	const {data, compression} = await maybeDecompress(raw, file, {maxSize: maximumModuleSize});
	return parseModule(data, file, compression);
}

export function parseModule(data: Uint8Array, file: string, compression?: string): ModuleInfo {
	return moduleFromElf(new ElfFile(data, file), compression);
}

/** A module from its ELF file (the scan's sparse reader has one already). */
export function moduleFromElf(elf: ElfFile, compression?: string): ModuleInfo {
	const {data, file} = elf;
	if (elf.type !== ET_REL) {
		throw new InputError(file, `not a kernel module: ELF type ${elf.type}, modules are relocatable (ET_REL)`);
	}

	if (!elf.section('.gnu.linkonce.this_module') && !elf.section('.modinfo')) {
		throw new InputError(file, 'not a kernel module: no .modinfo and no .gnu.linkonce.this_module section');
	}

	const modinfo = readModinfo(elf);
	const {versions, hasVersions} = readModversions(elf);
	// One map for the join and the deduplication: a name's first __versions entry (check_version()
	// takes the first), replaced by `taken` once an import has it.
	const taken = -1;
	const byName = new Map<string, number>();
	for (const {name, crc} of versions) {
		if (!byName.has(name)) {
			byName.set(name, crc);
		}
	}

	const imports: ModuleImport[] = [];
	elf.forEachUndefined((name, bind) => {
		// `__this_module` is the module's own struct, resolved by the loader, not an import.
		const crc = byName.get(name);
		if (name === '' || name === '__this_module' || crc === taken) {
			return;
		}

		byName.set(name, taken);
		imports.push({name, crc, weak: bind === STB_WEAK});
	});

	const nameFromInfo = modinfo.find(([key]) => key === 'name')?.[1];
	return {
		path: file,
		name: nameFromInfo && nameFromInfo !== '' ? nameFromInfo : moduleNameFromPath(file),
		compression,
		elfClass: elf.class,
		endianness: elf.endianness,
		machine: elf.machine,
		machineName: machineName(elf.machine),
		modinfo,
		versions,
		hasVersions,
		imports,
		exports: readKsymtab(elf),
		exportFlags: hasExportFlags(elf),
		exportCrcs: elf.sections.some(section => section.name.startsWith('__kcrctab') && section.size > 0),
		signature: readSignature(data),
	};
}

/** What the kernel calls a module when `.modinfo` has no name: the file name, `-` as `_`. */
export function moduleNameFromPath(file: string): string {
	return path.basename(file).replace(/\.ko(\.[a-z\d]+)?$/, '').replaceAll('-', '_');
}
