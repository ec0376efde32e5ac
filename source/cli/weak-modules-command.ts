import {InputError} from '../common/input-error.js';
import {parseKernelSpec} from '../kernel/load-kernel.js';
import {findModules} from '../module/find-modules.js';
import {kernelSummaries} from '../report/check-report.js';
import {parseFailOn, problemKinds} from '../report/fail-on.js';
import {colorStyle, type TextStyle} from '../report/format-text.js';
import {code, escape} from '../report/format-markdown.js';
import {scanModules} from '../scan/scan-modules.js';
import {progressBar} from '../scan/progress.js';
import {propagateRebuilds, weakModule, weakModulesSchema, weakModulesSummary, type WeakModule, type WeakModulesReport} from '../plan/weak-modules.js';
import {emit} from './check-command.js';
import {useColor} from './flags.js';
import {loadKernels} from './load-inputs.js';
import type {CliFlags} from './flags.js';

const plain: TextStyle = {bad: t => t, good: t => t, dim: t => t, bold: t => t};

/**
`kmodx weak-modules MODULE|DIR… --to B [--from A]`: which modules built for A can be reused on B
as they are, the decision of RHEL's `weak-modules --add-kernel --dry-run`, made by the verdict
engine (CRCs, and also vermagic, GPL-only and namespaces). Exit 0 when all can, 1 otherwise.
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
	const files = findModules(paths);
	const kernels = await loadKernels({...flags, kernel: specs});
	const from = flags.from ? kernels[0] : undefined;
	const to = kernels.at(-1)!;
	if (from && from.label === to.label) {
		throw new InputError(undefined, `--from and --to are both labelled '${to.label}': name them, e.g. --from old=${parseKernelSpec(flags.from!).source}`);
	}

	const modules: WeakModule[] = [];
	const bar = process.stderr.isTTY && files.length > 1 ? progressBar(process.stderr, 'modules') : undefined;
	await scanModules(files, kernels, {missingVersion: flags.missingVersion}, {
		onProgress: bar?.update,
		onResult({digest, peerUses}) {
			modules.push(weakModule(digest.report!, to.label, from?.label, peerUses, failOn));
		},
	});
	bar?.done();
	propagateRebuilds(modules);
	const [fromSummary, toSummary] = [from ? kernelSummaries([from])[0]! : null, kernelSummaries([to])[0]!];
	const report: WeakModulesReport = {
		schema: weakModulesSchema,
		from: fromSummary,
		to: toSummary,
		fail_on: problemKinds.filter(kind => failOn.has(kind)),
		modules,
		summary: weakModulesSummary(modules),
	};
	const format = flags.json ? 'json' : flags.format;
	emit(format === 'json' ? JSON.stringify(report, null, 2) + '\n' : format === 'markdown' ? formatWeakMarkdown(report) : formatWeakText(report, useColor(flags) ? colorStyle : plain), flags);
	return report.summary.rebuild === 0 ? 0 : 1;
}

export function formatWeakText(report: WeakModulesReport, style: TextStyle = plain): string {
	const lines = [style.bold(`Modules ${report.from ? `built for ${report.from.label} ` : ''}on ${report.to.label}:`)];
	const width = Math.max(...report.modules.map(module => module.name.length));
	for (const module of report.modules) {
		const mark = module.decision === 'reuse' ? style.good('✓ reuse  ') : style.bad('✗ rebuild');
		const fromNote = module.loads_on_from === false ? style.dim(` (does not load on ${report.from!.label} either)`) : '';
		lines.push(`  ${mark}  ${module.name.padEnd(width)}  ${module.reason}${fromNote}`);
	}

	const {modules, reuse, rebuild} = report.summary;
	lines.push('', rebuild === 0
		? style.good(`✓ all ${modules} module${modules === 1 ? '' : 's'} can be reused on ${report.to.label} as they are`)
		: style.bad(`✗ ${rebuild} of ${modules} module${modules === 1 ? '' : 's'} need${rebuild === 1 ? 's' : ''} a rebuild for ${report.to.label}; ${reuse} can be reused as they are`));
	return lines.join('\n') + '\n';
}

function formatWeakMarkdown(report: WeakModulesReport): string {
	const out = [`# kmodx weak-modules: ${report.from ? `${escape(report.from.label)} → ` : ''}${escape(report.to.label)}`, '', '| module | decision | reason | file |', '|---|---|---|---|'];
	for (const module of report.modules) {
		out.push(`| ${escape(module.name)} | ${module.decision === 'reuse' ? '✓ reuse' : '✗ rebuild'} | ${escape(module.reason)} | ${code(module.path)} |`);
	}

	out.push('', `**${report.summary.reuse} of ${report.summary.modules} can be reused; ${report.summary.rebuild} need a rebuild.**`, '');
	return out.join('\n');
}
