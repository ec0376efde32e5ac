import {isRustSymbol, rustSymbolKey} from '../common/rust-symbol.js';
import type {Kernel} from '../kernel/kernel.js';
import {rustExportsByKey} from '../kernel/rust-exports.js';
import type {KernelVerdict} from './check-module.js';
import {rehashedHint} from './verdict-text.js';

/**
Rust names in a verdict, for people: each problem and warning about a Rust symbol gets its
demangled name, and a `missing` import that the kernel exports under another crate hash (the same
function of another build: Rust names carry the hash of the build's crates) says so — the module
was built against another build of this kernel, and only a build against this exact one links.
Applied after the verdict (the report layer calls it); the verdict itself is unchanged.
*/
export function noteRustSymbols(verdict: KernelVerdict, kernel: Kernel): KernelVerdict {
	for (const item of [...verdict.problems, ...verdict.warnings]) {
		const key = item.symbol !== null && isRustSymbol(item.symbol) ? rustSymbolKey(item.symbol) : undefined;
		if (key === undefined || item.demangled !== undefined) {
			continue;
		}

		item.demangled = key;
		const same = item.kind === 'missing' ? rustExportsByKey(kernel.exports).get(key) : undefined;
		if (same && 'module_crc' in item) {
			item.rehashed_as = same.name;
			item.message += `; ${rehashedHint(same.name)}`;
		}
	}

	return verdict;
}
