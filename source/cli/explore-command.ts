import {explainSymbol} from '../type-info/explain-symbol.js';
import {TypeInformation} from '../type-info/type-information.js';
import {parseTypesFlags} from '../type-info/types-flags.js';
import type {Kernel} from '../kernel/kernel.js';
import {runExplorer as run} from '../ui/run-explorer.js';
import type {CliFlags} from './flags.js';

/** `kmodx MODULE… -k …` on a terminal: the explorer. The CLI imports this module lazily: Ink and React load only here. */
export async function runExplorer(paths: string[], flags: CliFlags): Promise<number> {
	return run(paths, flags, {explainFor: kernels => explainer(kernels, flags)});
}

/** The same type-information provider as `kmodx why`: symtypes (exact) first, then BTF. */
function explainer(kernels: Kernel[], flags: CliFlags) {
	const info = new TypeInformation(parseTypesFlags(flags.types, kernels));
	return async (symbol: string, fromLabel: string, toLabel: string) => {
		const from = kernels.find(kernel => kernel.label === fromLabel);
		const to = kernels.find(kernel => kernel.label === toLabel);
		if (!from || !to) {
			return undefined;
		}

		const result = await explainSymbol(symbol, from, to, info);
		return 'explanation' in result ? result.explanation : undefined;
	};
}

