import type {ElfFile} from '../elf/elf-file.js';

const decoder = new TextDecoder('utf-8');

/** `.modinfo`: NUL-separated `key=value` strings; keys repeat (alias, parm, import_ns, firmware). */
export function readModinfo(elf: ElfFile): Array<[string, string]> {
	const section = elf.section('.modinfo');
	if (!section) {
		return [];
	}

	const entries: Array<[string, string]> = [];
	for (const text of decoder.decode(elf.sectionData(section)).split('\0')) {
		if (text === '') {
			continue; // Alignment padding between strings.
		}

		const equals = text.indexOf('=');
		entries.push(equals === -1 ? [text, ''] : [text.slice(0, equals), text.slice(equals + 1)]);
	}

	return entries;
}
