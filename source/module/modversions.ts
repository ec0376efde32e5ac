import {InputError} from '../common/input-error.js';
import type {ElfFile} from '../elf/elf-file.js';

/**
`__versions`: `struct modversion_info { unsigned long crc; char name[64 - sizeof(long)]; }`,
so 64-byte records on both word sizes. Extended modversions (6.14+) add `__version_ext_crcs`
(u32 array) and `__version_ext_names` (NUL-separated, same order); the kernel reads those first.
*/
export function readModversions(elf: ElfFile): {versions: Array<{name: string; crc: number}>; hasVersions: boolean} {
	const versions: Array<{name: string; crc: number}> = [];
	const extCrcs = elf.section('__version_ext_crcs');
	const extNames = elf.section('__version_ext_names');
	if (extCrcs && extNames) {
		const view = elf.sectionView(extCrcs);
		const namesData = elf.sectionData(extNames);
		const names = Buffer.from(namesData.buffer, namesData.byteOffset, namesData.byteLength).toString('latin1').split('\0');
		const count = Math.floor(extCrcs.size / 4);
		for (let index = 0; index < count; index++) {
			const name = names[index];
			if (name === undefined || name === '') {
				throw new InputError(elf.file, `__version_ext_names has fewer names than __version_ext_crcs has CRCs (${count})`);
			}

			versions.push({name, crc: view.getUint32(index * 4, elf.littleEndian)});
		}
	}

	const section = elf.section('__versions');
	if (section) {
		if (section.size % 64 !== 0) {
			throw new InputError(elf.file, `__versions size ${section.size} is not a multiple of 64`);
		}

		const raw = elf.sectionData(section);
		// Decoded once, names cut from it: one native call per module, not one per name.
		const text = Buffer.from(raw.buffer, raw.byteOffset, raw.byteLength).toString('latin1');
		const view = elf.sectionView(section);
		const crcSize = elf.class === 64 ? 8 : 4;
		for (let base = 0; base < text.length; base += 64) {
			// Only the low 32 bits of the CRC are meaningful: on big-endian 64-bit they are the last 4 bytes.
			const crc = elf.class === 64 && !elf.littleEndian ? view.getUint32(base + 4, false) : view.getUint32(base, elf.littleEndian);
			const nul = text.indexOf('\0', base + crcSize);
			let name = text.slice(base + crcSize, nul === -1 || nul > base + 64 ? base + 64 : nul);
			// Old ppc64 toolchains prefixed function descriptors with '.'; kmod strips it too.
			if (name.startsWith('.')) {
				name = name.slice(1);
			}

			versions.push({name, crc});
		}
	}

	return {versions, hasVersions: Boolean(section) || Boolean(extCrcs && extNames)};
}
