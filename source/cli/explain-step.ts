import type {ExplainStep} from './check-command.js';
import {progressLine} from './progress-line.js';

/** `check --explain`: the explainers (BTF, symtypes, kbuild) load only when asked for. */
export const explainStep: ExplainStep = async (report, kernels, flags) => {
	const [{attachExplanations}, {TypeInformation}, {parseTypesFlags}] = await Promise.all([
		import('../engine/attach-explanations.js'), import('../type-info/type-information.js'), import('../type-info/types-flags.js'),
	]);
	const progress = progressLine();
	try {
		await attachExplanations(report, kernels, new TypeInformation(parseTypesFlags(flags.types, kernels)), progress.update);
	} finally {
		progress.clear();
	}
};
