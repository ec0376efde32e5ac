import {InputError} from '../common/input-error.js';
import type {Kernel} from '../kernel/kernel.js';
import {explainSymbol} from '../type-info/explain-symbol.js';
import {TypeInformation} from '../type-info/type-information.js';
import {parseTypesFlags} from '../type-info/types-flags.js';
import {runExplorer as run} from '../ui/run-explorer.js';
import {checkData, diffData, type ExplainFunction} from '../ui/state/data.js';
import {useColor, type CliFlags} from './flags.js';
import {groupDiff, ungroupedDiff} from './diff-command.js';
import {loadKernels, loadModules} from './load-inputs.js';

/**
`kmodx MODULE… -k …` (or `kmodx -k A -k B`) on a terminal: the explorer. The CLI imports this
module lazily: Ink and React load only here. The inputs are read here and handed to the UI.
*/
export async function runExplorer(paths: string[], flags: CliFlags): Promise<number> {
	if (paths.length === 0 && (flags.kernel ?? []).length < 2) {
		throw new InputError(undefined, 'no module given: kmodx MODULE|DIR… [-k KERNEL]…, or two kernels to compare: kmodx -k A -k B');
	}

	return run(async progress => {
		const countKernels = (done: number, total: number) => {
			progress.count('kernels read', done, total);
		};

		if (paths.length === 0) {
			progress.phase('reading the kernels');
			const kernels = await loadKernels(flags, progress.phase, undefined, countKernels);
			progress.phase('comparing exports');
			await new Promise(resolve => {
				setImmediate(resolve);
			});
			const diff = await ungroupedDiff(kernels, flags);
			// Grouped by cause after the first frame: it reads both kernels' whole type information.
			return {data: diffData(kernels, diff), explain: explainer(kernels, flags), causes: async onProgress => groupDiff(diff, flags, onProgress)};
		}

		progress.phase('reading the kernels and modules');
		const [kernels, modules] = await Promise.all([loadKernels(flags, progress.phase, undefined, countKernels), loadModules(paths, (done, total) => {
			progress.count('modules read', done, total);
		})]);
		progress.phase('checking');
		return {data: checkData(modules, kernels, {missingVersion: flags.missingVersion}), explain: explainer(kernels, flags)};
	}, {theme: {color: useColor(flags)}});
}

/** The same type information as `kmodx why`: symtypes (given or generated from source) first, then BTF. */
export function explainer(kernels: Kernel[], flags: CliFlags): ExplainFunction {
	const info = new TypeInformation(parseTypesFlags(flags.types, kernels));
	return async (symbol, fromLabel, toLabel, onProgress) => {
		const from = kernels.find(kernel => kernel.label === fromLabel);
		const to = kernels.find(kernel => kernel.label === toLabel);
		if (!from || !to) {
			return {unavailable: `no kernel labelled ${from ? toLabel : fromLabel}`};
		}

		return explainSymbol(symbol, from, to, info, onProgress);
	};
}
