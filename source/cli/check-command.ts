import {guarded, InputError} from '../common/input-error.js';
import {markdownText} from '../common/markdown-text.js';
import {terminalSafe} from '../common/terminal-text.js';
import type {Kernel} from '../kernel/kernel.js';
import {findModules} from '../module/find-modules.js';
import {scanOptions} from './warn.js';
import {readModuleFile} from '../module/read-module.js';
import {stablelistUsage, stablelistUsageText} from '../kabi/stablelist-usage.js';
import {buildCheckReport, checkSchema, checkSummary, kernelSummaries, type CheckReport} from '../engine/check-report.js';
import {checkJsonHead, checkJsonTail, formatCheckJson} from '../views/format-json.js';
import {countsEveryFirstFailure, ExitTally, parseFailOn, verdictKinds, type FailKind} from '../engine/fail-on.js';
import {formatMarkdown, markdownFooter, markdownHeader} from '../views/format-markdown.js';
import {cellText, formatMatrixMarkdown, formatMatrixText, type MatrixRow} from '../views/format-matrix.js';
import {colorStyle, formatText, summaryText} from '../views/format-text.js';
import {checkHint, withExplanations} from '../engine/report-explanations.js';
import type {DigestOptions} from '../scan/digest.js';
import type {CheckPolicy} from '../verdict/check-module.js';
import {parseTypesFlags} from '../type-info/types-flags.js';
import {wantsColor, type CliFlags} from './flags.js';
import {loadKernels} from './load-inputs.js';
import {emit, emitJson, writeReport, type ReportSink} from './output.js';
import {progressLine} from './progress-line.js';
import {maxOf} from '../common/arrays.js';

/**
Attaches "why did the CRC change" to each CRC problem of the report (`--explain`). The full CLI
passes it; the fast `check` entry (source/bin/kmodx.ts) leaves --explain to the full CLI, and so
carries none of the type-information code.
*/
export type ExplainStep = (report: CheckReport, kernels: Kernel[], flags: CliFlags) => Promise<void>;

export async function runCheck(paths: string[], flags: CliFlags, explain?: ExplainStep): Promise<number> {
	if (paths.length === 0) {
		throw new InputError(undefined, 'no module given: kmodx check MODULE|DIR… [-k KERNEL]…');
	}

	const failOn = parseFailOn(flags.failOn);
	const progress = progressLine();
	const [kernels, files] = await Promise.all([loadKernels(flags, progress.update), Promise.resolve().then(() => findModules(paths, scanOptions))]).finally(progress.clear);

	// Only --explain reads --types, but a label no kernel has (or a path that is not there) is a mistake either way.
	parseTypesFlags(flags.types, kernels);
	const policy: CheckPolicy = {missingVersion: flags.missingVersion};
	const stablelist = flags.rules ? await loadStablelist(flags.rules) : undefined;
	if (files.length > 1 && !flags.explain && !stablelist) {
		return runScan(files, kernels, policy, flags, failOn);
	}

	// One module, or --explain (which reads type information per problem): the whole report in memory.
	const modules = await Promise.all(files.map(async file => guarded(file, async () => readModuleFile(file))));
	let report = buildCheckReport(modules, kernels, policy);
	if (flags.explain) {
		if (!explain) {
			throw new Error('check --explain runs in the full CLI');
		}

		await explain(report, kernels, flags);
	} else {
		// Each CRC mismatch says its why was not computed, and what computes it.
		report = withExplanations(report, new Map(), checkHint);
	}

	if (stablelist) {
		for (const module of report.modules) {
			module.stablelist = stablelistUsage(module.imports.map(entry => entry.name), stablelist);
		}
	}

	// One module's document is indented whole (formatCheckJson), and may outgrow a string: made in pieces.
	if (flags.format === 'json' && report.modules.length <= 1) {
		await emitJson(report, flags);
	} else {
		emit(renderReport(report, flags), flags);
	}

	const tally = new ExitTally(failOn);
	for (const module of report.modules) {
		for (const result of module.results) {
			tally.add(verdictKinds(result));
		}
	}

	return tally.status;
}

/** The matrix for several modules on several kernels, unless --layout says otherwise. */
export function wantsMatrix(flags: Pick<CliFlags, 'layout'>, modules: number, kernels: number): boolean {
	return flags.layout === 'matrix' || (flags.layout !== 'details' && modules > 1 && kernels > 1);
}

/** check --rules: only a stablelist says something about one module (severity rules judge a kernel diff). */
async function loadStablelist(file: string) {
	const {loadRules} = await import('../kabi/judge-diff.js');
	const rules = await loadRules(file);
	if (rules.kind !== 'stablelist') {
		throw new InputError(file, 'check takes a kABI stablelist ([…stablelist] header); severity rules (PATTERN PASS|FAIL) judge a kernel diff: kmodx -k A -k B --rules FILE');
	}

	return rules;
}

export function renderReport(report: CheckReport, flags: CliFlags): string {
	const {format} = flags;
	if (format === 'json') {
		return formatCheckJson(report);
	}

	const usage = report.modules.filter(module => module.stablelist).map(module => stablelistUsageText(module.name, module.stablelist!));
	const body = renderBody(report, flags, format);
	if (usage.length === 0) {
		return body;
	}

	return format === 'markdown'
		? `${body}\n## kABI stablelist\n\n${usage.map(line => `- ${markdownText(line)}`).join('\n')}\n`
		: `${body}\n${usage.map(line => terminalSafe(line)).join('\n')}\n`;
}

function renderBody(report: CheckReport, flags: CliFlags, format: 'text' | 'markdown'): string {

	if (wantsMatrix(flags, report.modules.length, report.kernels.length)) {
		const rows = report.modules.map(module => ({name: module.name, path: module.path, cells: module.results.map(result => cellText(result))}));
		const loadsPerKernel = report.kernels.map((_, index) => report.modules.filter(module => module.results[index]?.loads).length);
		const undecidedPerKernel = report.kernels.map((_, index) => report.modules.filter(module => module.results[index]?.verdict === 'undecided').length);
		const summary = {kernels: report.kernels, summary: report.summary, loadsPerKernel, undecidedPerKernel};
		return format === 'markdown' ? formatMatrixMarkdown(rows, summary) : formatMatrixText(rows, summary, wantsColor(flags) ? colorStyle : undefined);
	}

	return format === 'markdown' ? formatMarkdown(report) : formatText(report, wantsColor(flags) ? colorStyle : undefined);
}

/**
Many modules: checked by scanModules (worker threads for big runs) and written as they come.
JSON and the detailed layouts are held back on stdout (cli/output.ts), then stream module by
module, as fast as stdout takes them; the matrix keeps one short row per module. With -o the
report streams into a temporary file that takes the name at the end, so a failed run never
leaves half a file.
*/
async function runScan(files: string[], kernels: Kernel[], policy: CheckPolicy, flags: CliFlags, failOn: ReadonlySet<FailKind>): Promise<number> {
	return writeReport(flags, async sink => scanReport(files, kernels, policy, flags, failOn, sink));
}

async function scanReport(files: string[], kernels: Kernel[], policy: CheckPolicy, flags: CliFlags, failOn: ReadonlySet<FailKind>, sink: ReportSink): Promise<number> {
	const {format} = flags;
	const matrix = format !== 'json' && wantsMatrix(flags, files.length, kernels.length);
	const color = wantsColor(flags);
	const write = (text: string) => {
		sink.write(text);
	};
	const digest: DigestOptions = format === 'json'
		? {mode: 'json'}
		: (matrix ? {mode: 'row', firstFailureOnly: countsEveryFirstFailure(failOn)} : {mode: format === 'markdown' ? 'markdown' : 'text', color, labelWidth: maxOf(kernels, kernel => kernel.label.length)});
	const kernelsJson = kernelSummaries(kernels);
	if (format === 'json') {
		write(checkJsonHead({schema: checkSchema, policy: {missing_version: policy.missingVersion}, kernels: kernelsJson}));
	} else if (format === 'markdown' && !matrix) {
		write(markdownHeader(kernelsJson).join('\n'));
	}

	const rows: MatrixRow[] = [];
	const loadsPerKernel = kernels.map(() => 0);
	const undecidedPerKernel = kernels.map(() => 0);
	let failures = 0;
	let undecided = 0;
	const tally = new ExitTally(failOn);
	// The scan (worker threads, sparse reads) loads only for runs of several modules.
	const {scanModules} = await import('../scan/scan-modules.js');
	const progress = progressLine();
	await scanModules(files, kernels, policy, {
		digest,
		onProgress: progress.count,
		pace: () => sink.pace(),
		onResult({index, digest: module}) {
			for (const [at, verdict] of module.verdicts.entries()) {
				loadsPerKernel[at]! += verdict.verdict === 'loads' ? 1 : 0;
				undecidedPerKernel[at]! += verdict.verdict === 'undecided' ? 1 : 0;
				failures += verdict.verdict === 'fails' ? 1 : 0;
				undecided += verdict.verdict === 'undecided' ? 1 : 0;
				tally.add(verdict.kinds);
			}

			if (module.json !== undefined) {
				write((index === 0 ? '' : ',\n') + module.json);
			} else if (module.cells) {
				rows.push({name: module.name, path: module.path, cells: module.cells});
			} else if (format === 'markdown') {
				write('\n' + module.text!);
			} else {
				write(module.text! + '\n\n');
			}
		},
	});
	progress.clear();
	const summary = checkSummary(files.length, kernels.length, failures, undecided);
	if (format === 'json') {
		write(checkJsonTail(summary));
	} else if (matrix) {
		const totals = {kernels: kernelsJson, summary, loadsPerKernel, undecidedPerKernel};
		write(format === 'markdown' ? formatMatrixMarkdown(rows, totals) : formatMatrixText(rows, totals, color ? colorStyle : undefined));
	} else if (format === 'markdown') {
		write('\n' + markdownFooter(summary).join('\n'));
	} else {
		write(summaryText(summary, color ? colorStyle : undefined) + '\n');
	}

	return tally.status;
}
