import {InputError} from '../common/input-error.js';
import {parseKernelSpec} from '../kernel/kernel-spec.js';
import {findModules} from '../module/find-modules.js';
import {scanOptions} from './warn.js';
import {kernelSummaries} from '../engine/check-report.js';
import {failKinds, parseFailOn, undecidedStatus} from '../engine/fail-on.js';
import {colorStyle, plainStyle} from '../views/format-text.js';
import {formatWeakMarkdown, formatWeakText} from '../views/format-weak-modules.js';
import {scanModules} from '../scan/scan-modules.js';
import {propagateRebuilds, weakModule, weakModulesSchema, weakModulesSummary, type WeakModule, type WeakModulesReport} from '../engine/weak-modules.js';
import {emit, emitJson} from './output.js';
import {progressLine} from './progress-line.js';
import {wantsColor} from './flags.js';
import {loadKernels} from './load-inputs.js';
import type {CliFlags} from './flags.js';

/**
`kmodx weak-modules MODULE|DIR… --to B [--from A]`: which modules built for A can be reused on B
as they are, the decision of RHEL's `weak-modules --add-kernel --dry-run`, made by the verdict
engine (CRCs, and also vermagic, GPL-only and namespaces). Exit 0 when all can, 1 when one needs a
rebuild, 3 when none does but one is undecided (and --fail-on counts unresolved).
*/
export async function runWeakModules(paths: string[], flags: CliFlags): Promise<number> {
	if (paths.length === 0) {
		throw new InputError(undefined, 'no module given: kmodx weak-modules MODULE|DIR… --to KERNEL [--from KERNEL]');
	}

	if (!flags.to) {
		throw new InputError(undefined, 'weak-modules needs --to KERNEL: the kernel to reuse the modules on');
	}

	if ((flags.kernel ?? []).length > 0) {
		throw new InputError(undefined, 'weak-modules takes --from and --to, not -k');
	}

	const failOn = parseFailOn(flags.failOn);
	const specs = [...(flags.from ? [flags.from] : []), flags.to];
	const files = findModules(paths, scanOptions);
	const sources = specs.map(spec => parseKernelSpec(spec).source);
	const kernels = await loadKernels({...flags, kernel: specs}, undefined, `--from and --to need different labels: name them, e.g. --from old=${sources[0]} --to new=${sources.at(-1)!}`);
	const from = flags.from ? kernels[0] : undefined;
	const to = kernels.at(-1)!;

	const modules: WeakModule[] = [];
	// A bar for a run over many modules; one module is done before the eye would see it.
	const progress = files.length > 1 ? progressLine() : undefined;
	await scanModules(files, kernels, {missingVersion: flags.missingVersion}, {
		onProgress: progress?.count,
		onResult({digest, peerUses}) {
			modules.push(weakModule(digest.report!, to.label, from?.label, peerUses, failOn));
		},
	});
	progress?.clear();
	propagateRebuilds(modules);
	const [fromSummary, toSummary] = [from ? kernelSummaries([from])[0]! : null, kernelSummaries([to])[0]!];
	const report: WeakModulesReport = {
		schema: weakModulesSchema,
		from: fromSummary,
		to: toSummary,
		fail_on: failKinds.filter(kind => failOn.has(kind)),
		modules,
		summary: weakModulesSummary(modules),
	};
	if (flags.format === 'json') {
		await emitJson(report, flags);
	} else {
		emit(flags.format === 'markdown' ? formatWeakMarkdown(report) : formatWeakText(report, wantsColor(flags) ? colorStyle : plainStyle), flags);
	}

	if (report.summary.rebuild > 0) {
		return 1;
	}

	return report.summary.undecided > 0 && failOn.has('unresolved') ? undecidedStatus : 0;
}
