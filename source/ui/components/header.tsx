import type {ExplorerData} from '../state/data.js';
import {marks} from '../state/rows.js';
import type {Line, Theme} from '../theme.js';
import {LineView} from './line-view.js';

/** The header's facts: what is being looked at and how bad it is. */
export function headerLine(data: ExplorerData, moduleIndex: number, matrix: boolean): Line {
	if (data.mode === 'diff') {
		const counts = {added: 0, removed: 0, bad: 0, warn: 0, unknown: 0};
		for (const row of data.tables[0] ?? []) {
			if (row.status === 'added' || row.status === 'removed' || row.status === 'bad' || row.status === 'warn' || row.status === 'unknown') {
				counts[row.status]++;
			}
		}

		return [
			{text: 'kmodx ', tone: 'dim'},
			{text: data.kernels.map(kernel => kernel.label).join(' → '), tone: 'bold'},
			{text: ` · ${(data.tables[0]?.length ?? 0).toLocaleString('en-US')} exports · `},
			{text: `${marks.bad} ${counts.bad.toLocaleString('en-US')} CRC changed`, tone: 'bad'},
			{text: ' · '},
			{text: `${marks.added} ${counts.added} added`, tone: 'added'},
			{text: ' · '},
			{text: `${marks.removed} ${counts.removed} removed`, tone: 'removed'},
			{text: ' · '},
			{text: `${marks.warn} ${counts.warn} type/ns`, tone: 'warn'},
			...(counts.unknown > 0 ? [{text: ' · '}, {text: `${marks.unknown} ${counts.unknown.toLocaleString('en-US')} undecided`, tone: 'unknown' as const}] : []),
		];
	}

	if (matrix) {
		const {modules, kernels, failures, undecided} = data.report.summary;
		return [
			{text: 'kmodx ', tone: 'dim'},
			{text: `${modules} modules × ${kernels} kernel${kernels === 1 ? '' : 's'}`, tone: 'bold'},
			{text: ' · '},
			failures === 0 && undecided === 0 ? {text: `${marks.ok} all load`, tone: 'good'} : {text: `${marks.bad} ${failures} combination${failures === 1 ? '' : 's'} fail`, tone: failures > 0 ? 'bad' : 'dim'},
			...(undecided > 0 ? [{text: ' · '}, {text: `${marks.unknown} ${undecided} undecided`, tone: 'unknown' as const}] : []),
		];
	}

	const module = data.report.modules[moduleIndex]!;
	const crc = new Set<string>();
	const missing = new Set<string>();
	let other = 0;
	for (const result of module.results) {
		for (const problem of result.problems) {
			if (problem.kind === 'crc' && problem.symbol) {
				crc.add(problem.symbol);
			} else if (problem.kind === 'missing' && problem.symbol) {
				missing.add(problem.symbol);
			} else {
				other++;
			}
		}
	}

	return [
		{text: module.name, tone: 'bold'},
		{text: ' · '},
		{text: `${marks.bad} ${crc.size} mismatch${crc.size === 1 ? '' : 'es'}`, tone: crc.size > 0 ? 'bad' : 'dim'},
		{text: ' · '},
		{text: `${missing.size} missing`, tone: missing.size > 0 ? 'bad' : 'dim'},
		{text: ' · '},
		{text: `${other} other`, tone: other > 0 ? 'bad' : 'dim'},
		// Counts first: on a narrow terminal the vermagic is what gets cut.
		{text: ` · ${module.results.length} kernel${module.results.length === 1 ? '' : 's'} · vermagic ${module.vermagic?.trim() ?? '(none)'}`, tone: 'dim'},
	];
}

export function Header({line, width, theme}: {line: Line; width: number; theme: Theme}) {
	return <LineView line={line} width={width} theme={theme}/>;
}
