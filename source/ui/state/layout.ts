import {marks, type TableRow} from './rows.js';
import {shortenMiddle} from '../../common/text-cells.js';
import {fit, stateTone, type Line} from '../theme.js';

/** Below this the table cannot show a symbol and one kernel's CRC side by side. */
export const minColumns = 60;
export const minRows = 12;
/** From this width on, a detail opens beside the table instead of replacing it. */
export const paneColumns = 100;

export type Layout = {
	columns: number;
	/**
	Lines the explorer may draw: one less than the terminal, because Ink clears the whole
	screen on every frame that fills it (flicker); the last line stays empty.
	*/
	height: number;
	tooSmall: boolean;
	stripLines: number;
	/** Rows of the symbol list (without its column header). */
	listHeight: number;
	tableWidth: number;
	/** 0 when no detail is open; else the width of the detail area. */
	detailWidth: number;
	detailHeight: number;
	detailFull: boolean;
};

export const footerLines = 2;

export function computeLayout(columns: number, rows: number, kernelCount: number, detailOpen: boolean): Layout {
	const height = Math.max(1, rows - 1);
	const tooSmall = columns < minColumns || rows < minRows;
	const stripLines = Math.min(kernelCount, rows >= 30 ? 6 : 3);
	// Header, kernel strip, table header, footer.
	const listHeight = Math.max(1, height - 1 - stripLines - 1 - footerLines);
	const pane = detailOpen && columns >= paneColumns;
	const detailWidth = detailOpen ? (pane ? Math.floor(columns / 2) : columns) : 0;
	return {
		columns,
		height,
		tooSmall,
		stripLines,
		listHeight,
		tableWidth: pane ? columns - detailWidth : columns,
		detailWidth,
		// Beside the table the detail spans strip, table header and list; alone, everything but header and footer.
		detailHeight: pane ? stripLines + 1 + listHeight : height - 1 - footerLines,
		detailFull: detailOpen && !pane,
	};
}

export type Columns = {
	name: number;
	moduleCrc: number;
	kernelWidth: number;
	/** Kernel columns that fit; the rest are left out (the footer says so). */
	kernels: number;
	note: number;
	exporter: number;
};

const cursorWidth = 1;
const statusWidth = 2;

/**
The table's columns for `width` cells. Kernel columns are 13 cells (a mark and a CRC), wider, up
to the longest kernel label (`labelWidth` cells, measured as the terminal does), when the names and
a note still fit: a label like 6.1.0-47-amd64 is not cut while columns are left over.
*/
export function tableColumns(width: number, kernelCount: number, withModuleCrc: boolean, longestName: number, labelWidth = 0): Columns {
	const nameMin = 16;
	let kernelWidth = 13;
	let moduleCrc = withModuleCrc ? 11 : 0;
	let kernels = kernelCount;
	const fixed = () => cursorWidth + statusWidth + moduleCrc + kernels * kernelWidth;
	// The kernels' CRCs say more than the module's (it equals the kernel it was built for): it goes first.
	if (fixed() + nameMin > width) {
		moduleCrc = 0;
	}

	while (kernels > 1 && fixed() + nameMin > width) {
		kernels--;
	}

	// Room left once the names (as long as the longest, at least the minimum) and a note have theirs.
	const wanted = labelWidth + 3;
	if (wanted > kernelWidth) {
		const spare = width - fixed() - Math.max(nameMin, Math.min(longestName + 2, 40)) - 10;
		kernelWidth += Math.max(0, Math.min(wanted - kernelWidth, Math.floor(spare / kernels)));
	}

	let rest = width - fixed();
	const name = Math.max(Math.min(nameMin, rest), Math.min(longestName + 2, Math.max(nameMin, rest - 20)));
	rest -= name;
	const note = rest >= 10 ? 10 : 0;
	rest -= note;
	return {name, moduleCrc, kernelWidth, kernels, note, exporter: rest >= 8 ? rest : 0};
}

/** A demangled Rust name is cut in the middle, where the crate and the function at its ends stay; other names at the end. */
const nameText = (row: TableRow, width: number) => (row.label === row.name ? row.name : shortenMiddle(row.label, width));

/** A table row as segments of exactly the table's width: the list never wraps. */
export function rowLine(row: TableRow, columns: Columns, selected: boolean): Line {
	const line: Line = [
		{text: selected ? '›' : ' ', tone: 'accent'},
		{text: `${marks[row.status]} `, tone: stateTone[row.status]},
		{text: fit(nameText(row, columns.name - 1), columns.name - 1) + ' ', tone: selected ? 'bold' : undefined},
	];
	if (columns.moduleCrc > 0) {
		line.push({text: fit(row.moduleCrc ?? '(none)', columns.moduleCrc - 1) + ' ', tone: 'dim'});
	}

	for (let index = 0; index < columns.kernels; index++) {
		const cell = row.cells[index]!;
		line.push({text: `${marks[cell.state]} ${fit(cell.text, columns.kernelWidth - 3)} `, tone: stateTone[cell.state]});
	}

	if (columns.note > 0) {
		line.push({text: fit(row.note, columns.note - 1) + ' ', tone: 'dim'});
	}

	if (columns.exporter > 0) {
		line.push({text: fit(row.exporter, columns.exporter), tone: 'dim'});
	}

	return line;
}

export function tableHeaderLine(columns: Columns, kernelLabels: Array<{label: string; mark: string}>, moduleMode: boolean): string {
	const cell = (value: string, width: number) => fit(value, width - 1) + ' ';
	let text = ' ' + '  ' + cell('symbol', columns.name);
	if (columns.moduleCrc > 0) {
		text += cell('module', columns.moduleCrc);
	}

	for (const {label, mark} of kernelLabels.slice(0, columns.kernels)) {
		text += cell(`${mark}${mark ? ' ' : ''}${label}`, columns.kernelWidth);
	}

	if (columns.note > 0) {
		text += cell(moduleMode ? 'problem' : 'change', columns.note);
	}

	if (columns.exporter > 0) {
		text += fit('exported by', columns.exporter);
	}

	return text;
}
