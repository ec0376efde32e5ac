import {judgeDiff, loadRules} from '../kabi/judge-diff.js';
import {diffKernels} from '../kernel/diff-kernels.js';
import type {Kernel} from '../kernel/kernel.js';
import type {Grouping} from '../typediff/group-causes.js';
import {TypeInformation} from '../type-info/type-information.js';
import {parseTypesFlags} from '../type-info/types-flags.js';
import type {KernelDiff} from './diff-report.js';
import {groupChanges} from './group-changes.js';

/* The kernel diff's use case (`kmodx -k A -k B`, and the explorer's kernel-vs-kernel mode). */

/** What the diff is asked for: `--rules FILE` and `--types LABEL=PATH`. */
export type DiffOptions = {rules?: string; types?: string[]};

/** The diff with the rules' decisions (--rules) and the changes grouped by cause, when type information allows. */
export async function buildKernelDiff(kernels: Kernel[], flags: DiffOptions, onProgress?: (message: string) => void): Promise<{diff: KernelDiff; notes: string[]}> {
	const diff = await judgedDiff(kernels, flags);
	const notes: string[] = [];
	const grouping = await groupDiffByCause(diff, flags, onProgress);
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
export async function judgedDiff(kernels: Kernel[], flags: DiffOptions): Promise<KernelDiff> {
	const rules = flags.rules ? await loadRules(flags.rules) : undefined;
	const rows = diffKernels(kernels);
	return {kernels, rows, ...(rules && {judged: {rules, decisions: judgeDiff(rows, rules)}})};
}

/** The diff's changes grouped by cause; undefined when there is nothing to group. */
export async function groupDiffByCause(diff: KernelDiff, flags: DiffOptions, onProgress?: (message: string) => void): Promise<Grouping | {unavailable: string} | undefined> {
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
