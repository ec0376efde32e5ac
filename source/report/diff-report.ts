import {markdownCode, markdownText} from '../common/markdown-text.js';
import {terminalSafe} from '../common/terminal-text.js';
import {crcText, diffSummary, type ExportDiffRow} from '../kernel/diff-kernels.js';
import type {Kernel} from '../kernel/kernel.js';
import {undecidedStatus} from './fail-on.js';

export const diffSchema = 'kmodx.diff/1';

const changedRows = (rows: ExportDiffRow[]) => rows.filter(row => !row.change.includes('same'));
/** Rows with a change that was decided (not only `undecided`). */
const decided = (row: ExportDiffRow) => row.change.some(change => change !== 'same' && change !== 'undecided');

/** `kmodx -k A -k B --json` (and the explorer's JSON export in kernel-vs-kernel mode). */
export function buildDiffReport(kernels: Kernel[], rows: ExportDiffRow[]) {
	return {
		schema: diffSchema,
		kernels: kernels.map(kernel => ({label: kernel.label, source: kernel.source, release: kernel.release ?? null, exports: kernel.exports.size, modules_included: kernel.modulesIncluded})),
		summary: diffSummary(rows),
		changes: changedRows(rows).map(row => ({
			name: row.name,
			change: row.change,
			kernels: row.exports.map(entry => entry && {crc: crcText(entry), module: entry.module, export_type: entry.exportType, namespace: entry.namespace}),
		})),
	};
}

/** Exit status of a kernel diff: 1 when something changed, else 3 when something is undecided, else 0. */
export function diffStatus(rows: ExportDiffRow[]): number {
	if (rows.some(row => decided(row))) {
		return 1;
	}

	return rows.some(row => row.change.includes('undecided')) ? undecidedStatus : 0;
}

/** Why rows are undecided, once: which kernels list only vmlinux's exports, and what to give instead. */
function undecidedNote(kernels: Kernel[], count: number): string | undefined {
	const partial = kernels.filter(kernel => !kernel.modulesIncluded);
	if (count === 0 || partial.length === 0) {
		return undefined;
	}

	const names = partial.map(kernel => `${terminalSafe(kernel.label)} (${kernel.kind})`).join(', ');
	return `? ${count} export${count === 1 ? ' is' : 's are'} undecided: ${names} ${partial.length === 1 ? 'lists' : 'list'} only vmlinux's exports, so a name missing there may be a module's; give ${partial.length === 1 ? 'its' : 'their'} Module.symvers, headers directory or /lib/modules/${partial.length === 1 && partial[0]!.release ? terminalSafe(partial[0]!.release) : '<release>'} to decide`;
}

export function formatDiffMarkdown(kernels: Kernel[], rows: ExportDiffRow[]): string {
	const changed = changedRows(rows).filter(row => decided(row));
	const summary = diffSummary(rows);
	const labels = kernels.map(kernel => markdownText(kernel.label));
	const out = [`# kmodx kernel diff: ${labels.join(' → ')}`, '', `| symbol | change | ${labels.join(' | ')} | exported by |`, `|---|---|${labels.map(() => '---|').join('')}---|`];
	for (const row of changed) {
		out.push(`| ${markdownCode(row.name)} | ${row.change.join(', ')} | ${row.exports.map(entry => crcText(entry)).join(' | ')} | ${markdownText(row.exports.find(Boolean)?.module ?? '—')} |`);
	}

	out.push('', `**${changed.length} of ${rows.length} exports changed; ${summary.same} are the same.**`, '');
	const note = undecidedNote(kernels, summary.undecided);
	if (note) {
		out.push(markdownText(note), '');
	}

	return out.join('\n');
}

export function formatDiffText(kernels: Kernel[], rows: ExportDiffRow[]): string {
	const changed = changedRows(rows).filter(row => decided(row));
	const summary = diffSummary(rows);
	const lines = [`${kernels.map(kernel => terminalSafe(kernel.label)).join(' → ')}: ${summary.added} added, ${summary.removed} removed, ${summary.crc} CRC changed, ${summary.export_type} export type changed, ${summary.namespace} namespace changed, ${summary.module} moved, ${summary.same} the same${summary.undecided > 0 ? `, ${summary.undecided} undecided` : ''}`];
	for (const row of changed) {
		lines.push(`${row.change.filter(change => change !== 'undecided').join(',').padEnd(12)} ${terminalSafe(row.name)}  ${row.exports.map(entry => crcText(entry)).join(' → ')}`);
	}

	const note = undecidedNote(kernels, summary.undecided);
	if (note) {
		lines.push(note);
	}

	return lines.join('\n') + '\n';
}
