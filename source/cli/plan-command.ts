import {InputError} from '../common/input-error.js';
import {findModules} from '../module/find-modules.js';
import {scanOptions} from './warn.js';
import {planStatus, type PlanReport} from '../engine/build-plan.js';
import {scanPlan} from '../scan/scan-plan.js';
import {formatPlanMarkdown, formatPlanText} from '../views/format-plan.js';
import {colorStyle} from '../views/format-text.js';
import type {Kernel} from '../kernel/kernel.js';
import {parseTypesFlags} from '../type-info/types-flags.js';
import {emit, emitJson} from './output.js';
import {wantsColor} from './flags.js';
import {loadKernels} from './load-inputs.js';
import {progressLine} from './progress-line.js';
import type {CliFlags} from './flags.js';

/**
`kmodx plan MODULE|DIR… -k …`: the builds of the modules (built together: they resolve each
other's exports) that cover the kernels. Exit 0 when one binary serves every kernel, 1 when it
cannot, 3 when nothing says it cannot but some import is undecided.
*/
export async function runPlan(paths: string[], flags: CliFlags): Promise<number> {
	if (paths.length === 0) {
		throw new InputError(undefined, 'no module given: kmodx plan MODULE|DIR… -k KERNEL…');
	}

	const files = findModules(paths, scanOptions);
	const kernels = await loadKernels(flags);
	// Only --explain reads --types, but a label no kernel has (or a path that is not there) is a mistake either way.
	parseTypesFlags(flags.types, kernels);
	// Module by module: a directory of thousands is never in memory at once.
	const plan = await scanPlan(files, kernels, {missingVersion: flags.missingVersion});
	if (flags.explain) {
		await explainSplits(plan, kernels, flags);
	}

	if (flags.format === 'json') {
		await emitJson(plan, flags);
	} else {
		emit(flags.format === 'markdown' ? formatPlanMarkdown(plan) : formatPlanText(plan, wantsColor(flags) ? colorStyle : undefined), flags);
	}

	return planStatus(plan);
}

/** Why each splitting symbol differs: from the first build's kernel to the first kernel that disagrees. */
async function explainSplits(plan: PlanReport, kernels: Kernel[], flags: CliFlags): Promise<void> {
	const [{explainSymbol}, {TypeInformation}] = await Promise.all([import('../engine/explain-symbol.js'), import('../type-info/type-information.js')]);
	const info = new TypeInformation(parseTypesFlags(flags.types, kernels));
	const progress = progressLine();
	const byLabel = new Map(kernels.map(kernel => [kernel.label, kernel]));
	const bases = plan.builds.map(build => byLabel.get(build.build_against)!);
	for (const symbol of plan.splitting_symbols) {
		const known = (kernel: Kernel) => symbol.crcs[kernel.label] !== null && symbol.crcs[kernel.label] !== 'undecided';
		const base = bases.find(kernel => known(kernel));
		const target = bases.find(kernel => kernel !== base && known(kernel) && symbol.crcs[kernel.label] !== symbol.crcs[base?.label ?? '']);
		if (!base || !target) {
			symbol.explanation_unavailable = 'the symbol is missing from all but one ABI group: no CRC change to explain';
			continue;
		}

		// eslint-disable-next-line no-await-in-loop -- one symbol at a time keeps memory bounded.
		const result = await explainSymbol(symbol.name, base, target, info, progress.update).finally(progress.clear);
		if ('explanation' in result) {
			symbol.explanation = result.explanation;
		} else {
			symbol.explanation_unavailable = result.unavailable;
		}
	}
}
