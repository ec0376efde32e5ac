import type {Kernel} from '../kernel/kernel.js';
import type {CheckReport, ModuleReport} from './check-report.js';
import type {Progress} from '../kernel-source/kernel-source.js';
import {explainSymbol} from './explain-symbol.js';
import type {TypeInformation} from '../type-info/type-information.js';

/**
The kernel a module was built against, among those given: one it loads on, else the one whose
release its vermagic names. CRC changes are explained from there to each failing kernel.
*/
export function kernelBuiltAgainst(module: ModuleReport, kernels: Kernel[]): Kernel | undefined {
	const loads = module.results.find(result => result.loads);
	if (loads) {
		return kernels.find(kernel => kernel.label === loads.kernel);
	}

	const release = module.vermagic?.split(' ')[0];
	return kernels.find(kernel => kernel.release !== undefined && kernel.release === release);
}

/** `check --explain`: every CRC problem gets `explanation` (or `explanation_unavailable`). */
export async function attachExplanations(report: CheckReport, kernels: Kernel[], info: TypeInformation, onProgress?: Progress): Promise<void> {
	for (const module of report.modules) {
		const base = kernelBuiltAgainst(module, kernels);
		for (const result of module.results) {
			const target = kernels.find(kernel => kernel.label === result.kernel)!;
			for (const problem of result.problems) {
				if (problem.kind !== 'crc' || !problem.symbol) {
					continue;
				}

				if (!base) {
					problem.explanation_unavailable = 'the kernel this module was built against is not among the given kernels (it loads on none, and none has the release its vermagic names)';
					continue;
				}

				// A broken --types input is bad input for the whole run (explainSymbol throws), not a per-symbol note.
				// eslint-disable-next-line no-await-in-loop -- one kernel pair at a time keeps memory bounded.
				const explained = await explainSymbol(problem.symbol, base, target, info, onProgress);

				if ('explanation' in explained) {
					problem.explanation = explained.explanation;
				} else {
					problem.explanation_unavailable = explained.unavailable;
				}
			}
		}
	}
}
