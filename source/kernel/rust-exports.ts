import {isRustSymbol, rustSymbolKey} from '../common/rust-symbol.js';
import type {ExportTable, KernelExport} from './kernel.js';

/*
A kernel's Rust exports by their hash-free key (the demangled path): what pairs the same function
across two builds, whose crate hashes differ. A key two exports share in one kernel (two `impl`
blocks with a method of the same name) pairs nothing: it maps to null.
*/

const cache = new WeakMap<ExportTable, Map<string, KernelExport | null>>();

export function rustExportsByKey(table: ExportTable): Map<string, KernelExport | null> {
	let byKey = cache.get(table);
	if (!byKey) {
		byKey = new Map();
		for (const entry of table.all()) {
			const key = isRustSymbol(entry.name) ? rustSymbolKey(entry.name) : undefined;
			if (key !== undefined) {
				byKey.set(key, byKey.has(key) ? null : entry);
			}
		}

		cache.set(table, byKey);
	}

	return byKey;
}
