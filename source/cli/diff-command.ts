import {InputError} from '../common/input-error.js';
import {diffKernels} from '../kernel/diff-kernels.js';
import {buildDiffReport, diffStatus, formatDiffMarkdown, formatDiffText} from '../report/diff-report.js';
import {emit} from './check-command.js';
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
	const content = format === 'json'
		? JSON.stringify(buildDiffReport(kernels, rows), null, 2) + '\n'
		: (format === 'markdown' ? formatDiffMarkdown(kernels, rows) : formatDiffText(kernels, rows));
	emit(content, flags);
	return diffStatus(rows);
}
