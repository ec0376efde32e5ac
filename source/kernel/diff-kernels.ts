import {exportCrcText, type Kernel, type KernelExport} from './kernel.js';

/**
`undecided`: one kernel lacks the name but lists only vmlinux's exports (an image): the name may
be a module's export there, so whether it was added or removed (or moved) cannot be told.
*/
export type ExportChange = 'added' | 'removed' | 'crc' | 'export_type' | 'namespace' | 'module' | 'undecided' | 'same';

export type ExportDiffRow = {
	name: string;
	change: ExportChange[];
	/** One entry per kernel, in the order given; null where the kernel lacks the export. */
	exports: Array<KernelExport | null>;
};

/**
Every export of the given kernels, with what changed from the first kernel to the others:
the kernel-vs-kernel view (25,000 rows on Debian 6.1), sorted by name.
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
	const rows: ExportDiffRow[] = [];
	for (const name of [...names].sort()) {
		const exports = kernels.map(kernel => kernel.exports.get(name) ?? null);
		rows.push({name, change: changesOf(exports, listsModules, compareCrcs), exports});
	}

	return rows;
}

function changesOf(exports: Array<KernelExport | null>, listsModules: boolean[], compareCrcs: boolean): ExportChange[] {
	const [base, ...others] = exports;
	const changes = new Set<ExportChange>();
	for (const [index, other] of others.entries()) {
		if (!base && other) {
			changes.add(listsModules[0] ? 'added' : 'undecided');
		} else if (base && !other) {
			changes.add(listsModules[index + 1] ? 'removed' : 'undecided');
		} else if (base && other) {
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
	const summary: Record<ExportChange, number> = {added: 0, removed: 0, crc: 0, export_type: 0, namespace: 0, module: 0, undecided: 0, same: 0};
	for (const row of rows) {
		for (const change of row.change) {
			summary[change]++;
		}
	}

	return summary;
}

/** A cell of the kernel diff: the CRC, or — where the kernel lacks the export. */
export const crcText = (entry: KernelExport | null) => (entry ? exportCrcText(entry) : '—');
