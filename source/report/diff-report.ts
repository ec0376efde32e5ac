import {crcText, diffSummary, type ExportDiffRow} from '../kernel/diff-kernels.js';
import type {Kernel} from '../kernel/kernel.js';

export const diffSchema = 'kmodx.diff/1';

/** `kmodx -k A -k B --json` (and the explorer's JSON export in kernel-vs-kernel mode). */
export function buildDiffReport(kernels: Kernel[], rows: ExportDiffRow[]) {
	const changed = rows.filter(row => !row.change.includes('same'));
	return {
		schema: diffSchema,
		kernels: kernels.map(kernel => ({label: kernel.label, source: kernel.source, release: kernel.release ?? null, exports: kernel.exports.size})),
		// Every row counts: `same` is the exports that did not change.
		summary: diffSummary(rows),
		changes: changed.map(row => ({
			name: row.name,
			change: row.change,
			kernels: row.exports.map(entry => entry && {crc: crcText(entry), module: entry.module, export_type: entry.exportType, namespace: entry.namespace}),
		})),
	};
}

export function formatDiffMarkdown(kernels: Kernel[], rows: ExportDiffRow[]): string {
	const changed = rows.filter(row => !row.change.includes('same'));
	const labels = kernels.map(kernel => kernel.label);
	const out = [`# kmodx kernel diff: ${labels.join(' → ')}`, '', `| symbol | change | ${labels.join(' | ')} | exported by |`, `|---|---|${labels.map(() => '---|').join('')}---|`];
	for (const row of changed) {
		out.push(`| \`${row.name}\` | ${row.change.join(', ')} | ${row.exports.map(entry => crcText(entry)).join(' | ')} | ${row.exports.find(Boolean)?.module ?? '—'} |`);
	}

	out.push('', `**${changed.length} of ${rows.length} exports changed; ${rows.length - changed.length} are the same.**`, '');
	return out.join('\n');
}

export function formatDiffText(kernels: Kernel[], rows: ExportDiffRow[]): string {
	const changed = rows.filter(row => !row.change.includes('same'));
	const summary = diffSummary(rows);
	const lines = [`${kernels.map(kernel => kernel.label).join(' → ')}: ${summary.added} added, ${summary.removed} removed, ${summary.crc} CRC changed, ${summary.export_type} export type changed, ${summary.namespace} namespace changed, ${summary.module} moved, ${summary.same} the same`];
	for (const row of changed) {
		lines.push(`${row.change.join(',').padEnd(12)} ${row.name}  ${row.exports.map(entry => crcText(entry)).join(' → ')}`);
	}

	return lines.join('\n') + '\n';
}
