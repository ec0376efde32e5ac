import {memo} from 'react';
import {Box} from 'ink';
import {rowLine, type Columns} from '../state/layout.js';
import type {TableRow} from '../state/rows.js';
import type {Line, Theme} from '../theme.js';
import {LineView} from './line-view.js';

type RowProps = {row: TableRow; columns: Columns; selected: boolean; focused: boolean; width: number; theme: Theme};

/** Memoized: moving the cursor re-renders two rows, not the page. */
const SymbolRow = memo(function SymbolRow({row, columns, selected, focused, width, theme}: RowProps) {
	return <LineView line={rowLine(row, columns, selected)} width={width} theme={theme} inverse={selected && focused}/>;
});

type Props = {
	rows: readonly TableRow[];
	view: number[];
	cursor: number;
	/** First visible position, kept by the caller so the window scrolls like a pager. */
	top: number;
	height: number;
	width: number;
	columns: Columns;
	header: string;
	focused: boolean;
	theme: Theme;
};

const emptyLine: Line = [];

/** The virtualized symbol list: a header and exactly `height` rows, whatever the row count. */
export function SymbolTable({rows, view, cursor, top, height, width, columns, header, focused, theme}: Props) {
	const items = [];
	for (let offset = 0; offset < height; offset++) {
		const position = top + offset;
		const index = view[position];
		const row = index === undefined ? undefined : rows[index];
		items.push(row
			? <SymbolRow key={offset} row={row} columns={columns} selected={position === cursor} focused={focused} width={width} theme={theme}/>
			: <LineView key={offset} line={emptyLine} width={width} theme={theme}/>);
	}

	return (
		<Box flexDirection="column" width={width} height={height + 1} overflow="hidden">
			<LineView line={[{text: header, tone: 'bold'}]} width={width} theme={theme}/>
			{items}
		</Box>
	);
}
