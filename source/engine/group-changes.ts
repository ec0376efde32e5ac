import {btfGraph} from '../typediff/btf-graph.js';
import {groupByBtf, groupBySymtypes, type Grouping} from '../typediff/group-causes.js';
import type {ExportDiffRow} from '../kernel/diff-kernels.js';
import type {Kernel} from '../kernel/kernel.js';
import type {TypeInformation} from '../type-info/type-information.js';

/**
The CRC changes of a kernel diff (first kernel → last) grouped by the type changes behind them,
when type information covers both kernels: symtypes for both (exact), else BTF for both.
*/
export async function groupChanges(rows: readonly ExportDiffRow[], kernels: Kernel[], info: TypeInformation): Promise<Grouping | {unavailable: string}> {
	const from = kernels[0]!;
	const to = kernels.at(-1)!;
	const last = kernels.length - 1;
	// Without modversions no CRC says which exports changed: every export both kernels have is compared by its types.
	const unversioned = from.modversions === false || to.modversions === false;
	const changed = rows.filter(row => row.exports[0] && row.exports[last] && (unversioned || row.exports[0].crc !== row.exports[last].crc)).map(row => row.name);
	const [before, after] = await Promise.all([info.wholeKernel(from), info.wholeKernel(to)]);
	if (before?.kind === 'symtypes' && after?.kind === 'symtypes') {
		return {...groupBySymtypes(before.index, after.index, changed), ...(unversioned && {withoutCrcs: true})};
	}

	if (before && after) {
		// One kernel has symtypes, the other only BTF: BTF on both sides, where both have it.
		const [beforeBtf, afterBtf] = await Promise.all([before.kind === 'btf' ? before : info.wholeKernelBtf(from), after.kind === 'btf' ? after : info.wholeKernelBtf(to)]);
		if (beforeBtf && afterBtf) {
			return {...groupByBtf(btfGraph(beforeBtf.btf), btfGraph(afterBtf.btf), changed), ...(unversioned && {withoutCrcs: true})};
		}
	}

	const lacking = [before ? undefined : from, after ? undefined : to].filter(kernel => kernel !== undefined).map(kernel => kernel.label);
	return {unavailable: `not grouped by cause: no symtypes tree or BTF for ${lacking.join(' and ') || `both ${from.label} and ${to.label} in one kind`} (--types LABEL=PATH)`};
}
