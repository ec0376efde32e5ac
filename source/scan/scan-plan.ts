import type {Kernel} from '../kernel/kernel.js';
import {modinfoValue} from '../module/module-info.js';
import {importedNames} from '../verdict/abi-groups.js';
import type {CheckPolicy} from '../verdict/check-module.js';
import {planFrom, plannedModule, type PlanReport} from '../engine/build-plan.js';

/**
buildPlan for modules read one at a time by the scan (scan-modules.ts): of each module only
its name, path, vermagic, imported and exported names and whether it loads on each kernel are
kept, so a plan over a directory of 5,000 modules no longer holds every module and every
check report (1.3 GiB) at once. The same plan: the scan's verdicts are check's.
*/
export async function scanPlan(files: string[], kernels: Kernel[], policy: CheckPolicy, options: {pace?: () => Promise<void> | undefined; onProgress?: (done: number, total: number) => void} = {}): Promise<PlanReport> {
	const {scanModules} = await import('./scan-modules.js');
	const modules: PlanReport['modules'] = [];
	const imported = new Set<string>();
	const own = new Set<string>();
	let release: string | undefined;
	const loadsAll = new Map(kernels.map(kernel => [kernel.label, true]));
	await scanModules(files, kernels, policy, {
		// Whether a module loads is all a plan asks of its verdicts: they stop where the kernel stops.
		digest: {mode: 'row', firstFailureOnly: true},
		...options,
		inspect(module) {
			if (modules.length === 0) {
				release = modinfoValue(module, 'vermagic')?.split(' ')[0];
			}

			modules.push(plannedModule(module));
			for (const name of importedNames(module)) {
				imported.add(name);
			}

			for (const entry of module.exports) {
				own.add(entry.name);
			}
		},
		onResult({digest}) {
			for (const verdict of digest.verdicts) {
				if (verdict.verdict !== 'loads') {
					loadsAll.set(verdict.kernel, false);
				}
			}
		},
	});
	return planFrom({modules, names: [...imported].filter(name => !own.has(name)), loadsAll: label => loadsAll.get(label)!, release}, kernels);
}
