import {InputError} from '../common/input-error.js';
import {terminalSafeDeep} from '../common/terminal-text.js';
import {parseKernelSpec} from '../kernel/kernel-spec.js';
import {findModules} from '../module/find-modules.js';
import {scanOptions} from './warn.js';
import {kernelSummaries} from '../report/check-report.js';
import {failKinds, parseFailOn, undecidedStatus} from '../report/fail-on.js';
import {colorStyle, plainStyle, type TextStyle} from '../report/format-text.js';
import {code, escape} from '../report/format-markdown.js';
import {scanModules} from '../scan/scan-modules.js';
import {progressBar} from '../scan/progress.js';
import {propagateRebuilds, weakModule, weakModulesSchema, weakModulesSummary, type WeakModule, type WeakModulesReport} from '../plan/weak-modules.js';
import {emit, emitJson} from './check-command.js';
import {wantsColor} from './flags.js';
import {loadKernels} from './load-inputs.js';
import type {CliFlags} from './flags.js';

const decisionMarks = {reuse: '✓ reuse', rebuild: '✗ rebuild', undecided: '? undecided'} as const;

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
		fail_on: failKinds.filter(kind => failOn.has(kind)),
		modules,
		summary: weakModulesSummary(modules),
	};
	const format = flags.json ? 'json' : flags.format;
	if (format === 'json') {
		await emitJson(report, flags);
	} else {
		emit(format === 'markdown' ? formatWeakMarkdown(report) : formatWeakText(report, wantsColor(flags) ? colorStyle : plainStyle), flags);
	}

	if (report.summary.rebuild > 0) {
		return 1;
	}

	return report.summary.undecided > 0 && failOn.has('unresolved') ? undecidedStatus : 0;
}

export function formatWeakText(untrusted: WeakModulesReport, style: TextStyle = plainStyle): string {
	const report = terminalSafeDeep(untrusted);
	const lines = [style.bold(`Modules ${report.from ? `built for ${report.from.label} ` : ''}on ${report.to.label}:`)];
	const width = report.modules.reduce((max, module) => Math.max(max, module.name.length), 0);
	// As wide as the longest decision shown.
	const markWidth = report.modules.reduce((max, module) => Math.max(max, decisionMarks[module.decision].length), 0);
	for (const module of report.modules) {
		const text = decisionMarks[module.decision].padEnd(markWidth);
		const mark = module.decision === 'reuse' ? style.good(text) : style.bad(text);
		const fromNote = module.loads_on_from === false ? style.dim(` (does not load on ${report.from!.label} either)`) : '';
		lines.push(`  ${mark}  ${module.name.padEnd(width)}  ${module.reason}${fromNote}`);
	}

	lines.push('', weakSummaryText(report, style));
	return lines.join('\n') + '\n';
}

/** The last line: how many can be reused, need a rebuild, or are undecided; singular and plural right. */
export function weakSummaryText(report: WeakModulesReport, style: TextStyle = plainStyle): string {
	const {modules, reuse, rebuild, undecided} = report.summary;
	const to = report.to.label;
	if (modules === 1) {
		const [module] = report.modules;
		const text = {reuse: `✓ ${module!.name} can be reused on ${to} as it is`, rebuild: `✗ ${module!.name} needs a rebuild for ${to}`, undecided: `? ${module!.name} is undecided on ${to}`}[module!.decision];
		return module!.decision === 'reuse' ? style.good(text) : style.bad(text);
	}

	const reusable = `${reuse} can be reused as ${reuse === 1 ? 'it is' : 'they are'}`;
	const undecidedTail = undecided > 0 ? `; ${undecided} ${undecided === 1 ? 'is' : 'are'} undecided` : '';
	if (rebuild > 0) {
		return style.bad(`✗ ${rebuild} of ${modules} modules need${rebuild === 1 ? 's' : ''} a rebuild for ${to}; ${reusable}${undecidedTail}`);
	}

	if (undecided > 0) {
		return style.bad(`? ${undecided} of ${modules} modules ${undecided === 1 ? 'is' : 'are'} undecided on ${to}; ${reusable}`);
	}

	return style.good(`✓ all ${modules} modules can be reused on ${to} as they are`);
}

function formatWeakMarkdown(report: WeakModulesReport): string {
	const out = [`# kmodx weak-modules: ${report.from ? `${escape(report.from.label)} → ` : ''}${escape(report.to.label)}`, '', '| module | decision | reason | file |', '|---|---|---|---|'];
	for (const module of report.modules) {
		out.push(`| ${escape(module.name)} | ${decisionMarks[module.decision]} | ${escape(module.reason)} | ${code(module.path)} |`);
	}

	out.push('', `**${escape(weakSummaryText(report))}**`, '');
	return out.join('\n');
}
