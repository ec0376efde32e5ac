import {guarded, InputError} from '../common/input-error.js';
import type {Kernel} from '../kernel/kernel.js';
import {parseKernelSpec} from '../kernel/kernel-spec.js';
import {loadKernel, runningRelease} from '../kernel/load-kernel.js';
import {findModules} from '../module/find-modules.js';
import {scanOptions} from './warn.js';
import type {ModuleInfo} from '../module/module-info.js';
import {readModuleFile} from '../module/read-module.js';
import type {CliFlags} from './flags.js';

/** `duplicateHint`: how to name the kernels apart, in the words of the command's own flags. */
/** `onCount`: told how many kernels are read so far (the explorer's loading frame counts them). */
export async function loadKernels(flags: CliFlags, onProgress?: (message: string) => void, duplicateHint = 'name them with -k LABEL=SOURCE', onCount?: (done: number, total: number) => void): Promise<Kernel[]> {
	const specs = (flags.kernel ?? []).map(text => parseKernelSpec(text));
	if (specs.length === 0) {
		specs.push({label: undefined, source: runningRelease()});
	}

	let done = 0;
	onCount?.(0, specs.length);
	const kernels = await Promise.all(specs.map(async spec => guarded(spec.source, async () => {
		const kernel = await loadKernel(spec, {onProgress});
		onCount?.(++done, specs.length);
		return kernel;
	})));
	const seen = new Set<string>();
	for (const kernel of kernels) {
		if (seen.has(kernel.label)) {
			throw new InputError(undefined, `two kernels are labelled '${kernel.label}': ${duplicateHint}`);
		}

		seen.add(kernel.label);
	}

	return kernels;
}

export async function loadModules(paths: string[], onCount?: (done: number, total: number) => void): Promise<ModuleInfo[]> {
	const files = findModules(paths, scanOptions);
	let done = 0;
	onCount?.(0, files.length);
	return Promise.all(files.map(async file => guarded(file, async () => {
		const module = await readModuleFile(file);
		onCount?.(++done, files.length);
		return module;
	})));
}
