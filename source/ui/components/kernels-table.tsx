import {Table} from '@alcalzone/ink-table';
import {Box, Text} from 'ink';
import type {PropsWithChildren} from 'react';
import {terminalSafe} from '../../common/terminal-text.js';
import type {Kernel} from '../../kernel/kernel.js';
import {fit, textLength, type Theme} from '../theme.js';
import {LineView} from './line-view.js';
import type {StripEntry} from './kernel-strip.js';
import {maxOf} from '../../common/arrays.js';

export type KernelOverviewRow = {kernel: string; kind: string; release: string; modversions: string; exports: string; verdict: string};

/** Widest a cell may be: a long path or verdict is cut, so the table keeps its borders on the screen. */
const cellWidths: Record<keyof KernelOverviewRow, number> = {kernel: 24, kind: 10, release: 28, modversions: 11, exports: 8, verdict: 44};

/** Text cut to `width` cells with an ellipsis, not padded (ink-table sizes its columns). */
const cutTo = (text: string, width: number) => (textLength(text) > width ? fit(text, width) : text);

/** One row per kernel: what the explorer knows of it, and (from the strip) its verdict or changes. */
export function kernelOverview(kernels: readonly Kernel[], strip: readonly StripEntry[]): KernelOverviewRow[] {
	return kernels.map((kernel, index) => {
		const row: KernelOverviewRow = {
			kernel: kernel.label,
			kind: kernel.kind,
			release: kernel.release ?? '?',
			modversions: kernel.modversions === undefined ? '?' : (kernel.modversions ? 'yes' : 'no'),
			exports: kernel.exports.size.toLocaleString('en-US'),
			verdict: `${strip[index]?.text ?? ''}`,
		};
		// Names come from the inputs: escaped, then cut to their column.
		return Object.fromEntries(Object.entries(row).map(([key, value]) => [key, cutTo(terminalSafe(value), cellWidths[key as keyof KernelOverviewRow])])) as KernelOverviewRow;
	});
}

/** ink-table's size: a border, the heading and a separator, then each row and the line below it. */
export function tableSize(rows: readonly KernelOverviewRow[]): {width: number; height: number} {
	const columns = Object.keys(cellWidths) as Array<keyof KernelOverviewRow>;
	const widths = columns.map(column => maxOf(rows, row => textLength(row[column]), textLength(column)));
	// Each cell is padded by one space a side and followed by a border.
	return {width: widths.reduce((sum, width) => sum + width + 3, 1), height: 3 + (2 * rows.length)};
}

type Props = {rows: KernelOverviewRow[]; height: number; width: number; theme: Theme};

/**
The kernels at a glance (K): a short, bounded table — one row per kernel given — drawn with
ink-table's borders. When the terminal cannot hold it, it says how much room it needs instead of
drawing a table whose borders wrap.
*/
export function KernelsTable({rows, height, width, theme}: Props) {
	const size = tableSize(rows);
	const title = <LineView line={[{text: 'Kernels', tone: 'accent'}, {text: '  (Esc or K closes)', tone: 'dim'}]} width={width} theme={theme}/>;
	if (size.width > width || size.height > height - 1) {
		const need = `the kernels table needs ${size.width}×${size.height + 1}; this terminal has ${width}×${height} for it: widen it, or read the kernel strip`;
		return (
			<Box flexDirection="column" width={width} height={height} overflow="hidden">
				{title}
				<LineView line={[{text: need, tone: 'dim'}]} width={width} theme={theme}/>
			</Box>
		);
	}

	// Color only where color is allowed; ink-table's default heading is blue.
	const heading = ({children}: PropsWithChildren) => <Text bold color={theme.color ? 'cyan' : undefined}>{children}</Text>;
	return (
		<Box flexDirection="column" width={width} height={height} overflow="hidden">
			{title}
			<Box flexShrink={0}>
				<Table data={rows} columns={Object.keys(cellWidths) as Array<keyof KernelOverviewRow>} header={heading}/>
			</Box>
		</Box>
	);
}
