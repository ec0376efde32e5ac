import {InputError} from '../common/input-error.js';
import {crcText, diffKernels, diffSummary} from '../kernel/diff-kernels.js';
import {emit} from './check-command.js';
import type {CliFlags} from './flags.js';
import {loadKernels} from './load-inputs.js';

/** `kmodx -k A -k B` without a terminal: what changed between the kernels' exports. */
export async function runDiff(flags: CliFlags): Promise<number> {
	if ((flags.kernel ?? []).length < 2) {
		throw new InputError(undefined, 'no module given: kmodx check MODULE|DIR… [-k KERNEL]…, or two kernels to compare: kmodx -k A -k B');
	}

	const kernels = await loadKernels(flags);
	const rows = diffKernels(kernels).filter(row => !row.change.includes('same'));
	const summary = diffSummary(rows);
	const format = flags.json ? 'json' : flags.format;
	if (format === 'json') {
		emit(JSON.stringify({
			schema: 'kmodx.diff/1',
			kernels: kernels.map(kernel => ({label: kernel.label, source: kernel.source, release: kernel.release ?? null, exports: kernel.exports.size})),
			summary,
			changes: rows.map(row => ({
				name: row.name,
				change: row.change,
				kernels: row.exports.map(entry => entry && {crc: crcText(entry), module: entry.module, export_type: entry.exportType, namespace: entry.namespace}),
			})),
		}, null, 2) + '\n', flags);
	} else {
		const labels = kernels.map(kernel => kernel.label);
		const lines = [`${labels.join(' → ')}: ${summary.added} added, ${summary.removed} removed, ${summary.crc} CRC changed, ${summary.export_type} export type changed, ${summary.namespace} namespace changed`];
		for (const row of rows) {
			lines.push(`${row.change.join(',').padEnd(12)} ${row.name}  ${row.exports.map(entry => crcText(entry)).join(' → ')}`);
		}

		emit(lines.join('\n') + '\n', flags);
	}

	return rows.length === 0 ? 0 : 1;
}
