import {InputError} from '../common/input-error.js';
import {terminalSafe} from '../common/terminal-text.js';
import {judgeDiff, loadRules} from '../kabi/judge-diff.js';
import {diffKernels} from '../kernel/diff-kernels.js';
import type {Kernel} from '../kernel/kernel.js';
import {buildDiffReport, diffStatus, type KernelDiff} from '../engine/diff-report.js';
import {formatDiffMarkdown, formatDiffText} from '../views/format-diff.js';
import type {Grouping} from '../typediff/group-causes.js';
import {groupChanges} from '../engine/group-changes.js';
import {TypeInformation} from '../type-info/type-information.js';
import {parseTypesFlags} from '../type-info/types-flags.js';
import {emit, emitJson} from './output.js';
import type {CliFlags} from './flags.js';
import {loadKernels} from './load-inputs.js';

/**
`kmodx -k A -k B` without a terminal: what changed between the kernels' exports. Exit 1 when
anything did (with --rules: anything the rules do not tolerate), 3 when only undecided rows differ.
*/
export async function runDiff(flags: CliFlags): Promise<number> {
	if ((flags.kernel ?? []).length < 2) {
		throw new InputError(undefined, 'no module given: kmodx check MODULE|DIR… [-k KERNEL]…, or two kernels to compare: kmodx -k A -k B');
	}

	const kernels = await loadKernels(flags);
	const {diff, notes} = await kernelDiff(kernels, flags);
	if (flags.format === 'json') {
		await emitJson(buildDiffReport(diff), flags);
	} else {
		emit(flags.format === 'markdown' ? formatDiffMarkdown(diff) : formatDiffText(diff), flags);
	}

	for (const note of notes) {
		process.stderr.write(`kmodx: ${terminalSafe(note)}\n`);
	}

	return diffStatus(diff);
}

/** The diff with the rules' decisions (--rules) and the changes grouped by cause, when type information allows. */
export async function kernelDiff(kernels: Kernel[], flags: CliFlags, onProgress?: (message: string) => void): Promise<{diff: KernelDiff; notes: string[]}> {
	const diff = await ungroupedDiff(kernels, flags);
	const notes: string[] = [];
	const grouping = await groupDiff(diff, flags, onProgress);
	if (grouping && 'unavailable' in grouping) {
		// Said only when type information was asked for: without --types it is no news.
		if ((flags.types ?? []).length > 0) {
			notes.push(grouping.unavailable);
		}
	} else if (grouping) {
		diff.grouping = grouping;
	}

	return {diff, notes};
}

/** The diff with the rules' decisions (--rules), not yet grouped by cause (the explorer groups it after its first frame). */
export async function ungroupedDiff(kernels: Kernel[], flags: CliFlags): Promise<KernelDiff> {
	const rules = flags.rules ? await loadRules(flags.rules) : undefined;
	const rows = diffKernels(kernels);
	return {kernels, rows, ...(rules && {judged: {rules, decisions: judgeDiff(rows, rules)}})};
}

/** The diff's changes grouped by cause; undefined when there is nothing to group. */
export async function groupDiff(diff: KernelDiff, flags: CliFlags, onProgress?: (message: string) => void): Promise<Grouping | {unavailable: string} | undefined> {
	const {kernels, rows} = diff;
	const info = new TypeInformation(parseTypesFlags(flags.types, kernels));
	// Without modversions there are no CRC changes to group: the exports' types are compared instead.
	const unversioned = kernels[0]!.modversions === false || kernels.at(-1)!.modversions === false;
	if (!rows.some(row => row.change.includes('crc')) && !unversioned) {
		return undefined;
	}

	onProgress?.(unversioned ? 'comparing the exports\' types' : 'grouping the CRC changes by cause');
	return groupChanges(rows, kernels, info);
}
