import type {ExplainStep} from './check-command.js';

/** `check --explain`: the explainers (BTF, symtypes) load only when asked for. */
export const explainStep: ExplainStep = async (report, kernels, flags) => {
	const [{attachExplanations}, {parseTypesFlags, TypeInfoProvider}] = await Promise.all([import('../explain/attach-explanations.js'), import('../explain/explain-symbol.js')]);
	await attachExplanations(report, kernels, new TypeInfoProvider(parseTypesFlags(flags.types, kernels)));
};
