import {explainSymbol, parseTypesFlags, TypeInfoProvider} from '../explain/explain-symbol.js';
import type {Kernel} from '../kernel/kernel.js';
import type {CliFlags} from './flags.js';

/** `kmodx MODULE… -k …` on a terminal: the explorer; Ink and React load only here. */
export async function runExplorer(paths: string[], flags: CliFlags): Promise<number> {
	const {runExplorer: run} = await withoutCiGuess(async () => import('../ui/run-explorer.js'));
	return run(paths, flags, {explainFor: kernels => explainer(kernels, flags)});
}

/** The same type-information provider as `kmodx why`: symtypes (exact) first, then BTF. */
function explainer(kernels: Kernel[], flags: CliFlags) {
	const provider = new TypeInfoProvider(parseTypesFlags(flags.types, kernels));
	return async (symbol: string, fromLabel: string, toLabel: string) => {
		const from = kernels.find(kernel => kernel.label === fromLabel);
		const to = kernels.find(kernel => kernel.label === toLabel);
		if (!from || !to) {
			return undefined;
		}

		const result = await explainSymbol(symbol, from, to, provider);
		return 'explanation' in result ? result.explanation : undefined;
	};
}

/**
Ink writes only the last frame when it guesses it runs in CI (`is-in-ci`: CI or
CONTINUOUS_INTEGRATION set), and guesses once, when it loads. The explorer starts only
on a terminal, where the guess is wrong (a shell that exports CI, a CI job driving tmux):
hide the variables while Ink loads, then put them back for anything we spawn.
*/
async function withoutCiGuess<T>(load: () => Promise<T>): Promise<T> {
	const names = ['CI', 'CONTINUOUS_INTEGRATION'] as const;
	const saved = names.map(name => [name, process.env[name]] as const);
	for (const name of names) {
		delete process.env[name];
	}

	try {
		return await load();
	} finally {
		for (const [name, value] of saved) {
			if (value !== undefined) {
				process.env[name] = value;
			}
		}
	}
}
