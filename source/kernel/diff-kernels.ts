import {isRustSymbol, rustSymbolKey} from '../common/rust-symbol.js';
import type {Kernel, KernelExport} from './kernel.js';
import {rustExportsByKey} from './rust-exports.js';

/**
`undecided`: one kernel lacks the name but lists only vmlinux's exports (an image): the name may
be a module's export there, so whether it was added or removed (or moved) cannot be told.
`rehashed`: a Rust function exported in both, under names that differ only in the crate hash
(a new build): the same function, but a module linked against one name finds none on the other.
*/
export type ExportChange = 'added' | 'removed' | 'rehashed' | 'crc' | 'export_type' | 'namespace' | 'module' | 'undecided' | 'same';

export type ExportDiffRow = {
	/** The first kernel's name of the export (of the first kernel that has it). */
	name: string;
	change: ExportChange[];
	/** One entry per kernel, in the order given; null where the kernel lacks the export. */
	exports: Array<KernelExport | null>;
	/** A Rust symbol: its demangled name, for people (`kernel::time::delay::fsleep`). */
	demangled?: string;
	/** A Rust function whose names differ between the kernels (crate hashes): each kernel's own name, null where it lacks it. */
	names?: Array<string | null>;
};

/**
Every export of the given kernels, with what changed from the first kernel to the others:
the kernel-vs-kernel view (25,000 rows on Debian 6.1), sorted by name. A Rust function whose
name changed only by its crate hash is one row (`rehashed`), not a removal and an addition.
*/
export function diffKernels(kernels: Kernel[]): ExportDiffRow[] {
	const names = new Set<string>();
	for (const kernel of kernels) {
		for (const entry of kernel.exports.all()) {
			names.add(entry.name);
		}
	}

	const listsModules = kernels.map(kernel => kernel.modulesIncluded);
	// A kernel without modversions has no CRCs: there is nothing to compare them with.
	const compareCrcs = kernels.every(kernel => kernel.modversions !== false);
	const paired = pairRustExports(kernels);
	const rows: ExportDiffRow[] = [];
	for (const name of [...names].sort()) {
		const pair = paired.get(name);
		if (pair) {
			// One row for the pair, where its first name sorts.
			if (pair.name === name) {
				const exports = kernels.map((kernel, index) => (pair.names[index] ? kernel.exports.get(pair.names[index]) ?? null : null));
				rows.push({name, change: changesOf(exports, listsModules, compareCrcs, pair.names), exports, demangled: pair.key, names: pair.names});
			}

			continue;
		}

		const exports = kernels.map(kernel => kernel.exports.get(name) ?? null);
		const demangled = isRustSymbol(name) ? rustSymbolKey(name) : undefined;
		rows.push({name, change: changesOf(exports, listsModules, compareCrcs), exports, ...(demangled !== undefined && {demangled})});
	}

	return rows;
}

type RustPair = {name: string; key: string; names: Array<string | null>};

/** Rust exports whose names differ between the kernels but whose hash-free key is one export in each kernel that has it: by each of their names. */
function pairRustExports(kernels: Kernel[]): Map<string, RustPair> {
	const byKey = kernels.map(kernel => rustExportsByKey(kernel.exports));
	const paired = new Map<string, RustPair>();
	const keys = new Set<string>();
	for (const map of byKey) {
		for (const key of map.keys()) {
			keys.add(key);
		}
	}

	for (const key of keys) {
		const entries = byKey.map(map => map.get(key));
		// A key two exports of one kernel share pairs nothing.
		if (entries.includes(null)) {
			continue;
		}

		const names = entries.map(entry => entry?.name ?? null);
		const distinct = new Set(names.filter(name => name !== null));
		if (distinct.size > 1) {
			const pair = {name: names.find(name => name !== null)!, key, names};
			for (const name of distinct) {
				paired.set(name, pair);
			}
		}
	}

	return paired;
}

function changesOf(exports: Array<KernelExport | null>, listsModules: boolean[], compareCrcs: boolean, names?: Array<string | null>): ExportChange[] {
	const [base, ...others] = exports;
	const changes = new Set<ExportChange>();
	for (const [index, other] of others.entries()) {
		if (!base && other) {
			changes.add(listsModules[0] ? 'added' : 'undecided');
		} else if (base && !other) {
			changes.add(listsModules[index + 1] ? 'removed' : 'undecided');
		} else if (base && other) {
			if (names && names[index + 1] !== names[0]) {
				changes.add('rehashed');
			}

			if (compareCrcs && base.crc !== other.crc) {
				changes.add('crc');
			}

			if (base.exportType !== other.exportType) {
				changes.add('export_type');
			}

			if (base.namespace !== other.namespace) {
				changes.add('namespace');
			}

			if (base.module !== other.module) {
				changes.add('module');
			}
		}
	}

	return changes.size === 0 ? ['same'] : [...changes];
}

export function diffSummary(rows: ExportDiffRow[]): Record<ExportChange, number> {
	const summary: Record<ExportChange, number> = {added: 0, removed: 0, rehashed: 0, crc: 0, export_type: 0, namespace: 0, module: 0, undecided: 0, same: 0};
	for (const row of rows) {
		for (const change of row.change) {
			summary[change]++;
		}
	}

	return summary;
}

/** A cell of the kernel diff: the CRC, or — where the kernel lacks the export. */
