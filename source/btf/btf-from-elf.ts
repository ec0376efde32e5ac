import {InputError} from '../common/input-error.js';
import {ElfFile} from '../elf/elf-file.js';

export {isElf} from '../elf/elf-file.js';

/** The bytes of section `name` (a view into `data`), or undefined when the ELF has no such section. */
export function findElfSection(data: Uint8Array, name: string, file = '<elf>'): Uint8Array | undefined {
	const elf = new ElfFile(data, file);
	const section = elf.section(name);
	return section ? elf.sectionData(section) : undefined;
}

/** The `.BTF` section of an ELF file (vmlinux, .ko); InputError when it has none. */
export function btfFromElf(data: Uint8Array, file = '<elf>'): Uint8Array {
	const section = findElfSection(data, '.BTF', file);
	if (!section) {
		throw new InputError(file, 'no .BTF section (kernel built without CONFIG_DEBUG_INFO_BTF?)');
	}

	return section;
}
