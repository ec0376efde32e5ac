import type {Kernel} from '../../kernel/kernel.js';
import type {CheckReport} from '../../engine/check-report.js';
import type {ExplainResult} from '../../typediff/explanation.js';
import type {Grouping} from '../../typediff/group-causes.js';
import {diffTableRows, moduleRows, type TableRow} from './rows.js';
import {diffStatus, type KernelDiff} from '../../engine/diff-report.js';
import {ExitTally, parseFailOn, verdictKinds} from '../../engine/fail-on.js';

/**
Why a symbol's CRC changed between two kernels, wired by the caller. It may take seconds (a
tarball indexed, kbuild run): `onProgress` says what it is doing meanwhile.
*/
export type ExplainFunction = (symbol: string, fromKernel: string, toKernel: string, onProgress: (message: string) => void) => Promise<ExplainResult>;

/**
Work the explorer starts after its first frame: the kernel diff grouped by cause. Undefined when
there is nothing to group; `unavailable` says why it could not be grouped.
*/
export type CausesTask = (onProgress: (message: string) => void) => Promise<Grouping | {unavailable: string} | undefined>;

/** Everything the explorer shows, computed once by the engine before the first real frame. */
export type ExplorerData =
	| {mode: 'check'; kernels: Kernel[]; report: CheckReport; tables: TableRow[][]}
	| {mode: 'diff'; kernels: Kernel[]; tables: TableRow[][]; kernelDiff: KernelDiff};

/** The module-vs-kernels explorer: the check report the CLI made, and one table per module. */
export function checkExplorerData(report: CheckReport, kernels: Kernel[]): ExplorerData {
	return {mode: 'check', kernels, report, tables: report.modules.map(module => moduleRows(module, kernels))};
}

/** The kernel-vs-kernel explorer: the diff's rows, with the rules' decisions and the grouping when the CLI made them. */
export function diffExplorerData(kernels: Kernel[], kernelDiff: KernelDiff): ExplorerData {
	return {mode: 'diff', kernels, kernelDiff, tables: [diffTableRows(kernelDiff.rows, kernels.map(kernel => kernel.modulesIncluded), kernelDiff.judged?.decisions)]};
}

/** Exit status like `kmodx check` (0 loads everywhere, 1 fails, 3 undecided) and the piped diff (0 nothing changed). */
export function exitCode(data: ExplorerData): number {
	if (data.mode === 'check') {
		const tally = new ExitTally(parseFailOn(undefined));
		for (const module of data.report.modules) {
			for (const result of module.results) {
				tally.add(verdictKinds(result));
			}
		}

		return tally.status;
	}

	return diffStatus(data.kernelDiff);
}
