import {InputError} from '../common/input-error.js';
import {diffKernels} from '../kernel/diff-kernels.js';
import {buildDiffReport, diffStatus, formatDiffMarkdown, formatDiffText} from '../report/diff-report.js';
import {emit, emitJson} from './check-command.js';
import type {CliFlags} from './flags.js';
import {loadKernels} from './load-inputs.js';

/** `kmodx -k A -k B` without a terminal: what changed between the kernels' exports. Exit 1 when anything did, 3 when only undecided rows differ. */
export async function runDiff(flags: CliFlags): Promise<number> {
	if ((flags.kernel ?? []).length < 2) {
		throw new InputError(undefined, 'no module given: kmodx check MODULE|DIR… [-k KERNEL]…, or two kernels to compare: kmodx -k A -k B');
	}

	const kernels = await loadKernels(flags);
	const rows = diffKernels(kernels);
	const format = flags.json ? 'json' : flags.format;
	if (format === 'json') {
		await emitJson(buildDiffReport(kernels, rows), flags);
	} else {
		emit(format === 'markdown' ? formatDiffMarkdown(kernels, rows) : formatDiffText(kernels, rows), flags);
	}

	return diffStatus(rows);
}
