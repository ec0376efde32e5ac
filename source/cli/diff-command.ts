import {InputError} from '../common/input-error.js';
import {terminalSafe} from '../common/terminal-text.js';
import {buildDiffReport, diffStatus} from '../engine/diff-report.js';
import {formatDiffMarkdown, formatDiffText} from '../views/format-diff.js';
import {buildKernelDiff} from '../engine/kernel-diff.js';
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
	const {diff, notes} = await buildKernelDiff(kernels, flags);
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
