import {Box} from 'ink';
import type {Grouping} from '../../typediff/group-causes.js';
import {groupingHeading, typeChangeText} from '../../views/format-diff.js';
import type {ListState} from '../state/list-state.js';
import type {Line, Theme} from '../theme.js';
import {LinesWindow, LineView} from './line-view.js';

/** The causes screen's lines: "every export", then each type change with how many exports reach it. */
export function causeLines(grouping: Grouping, total: number, cursor: number): Line[] {
	const count = (value: number) => value.toLocaleString('en-US').padStart(7);
	const entries: Line[] = [[{text: `${count(total)}  every export`, tone: 'dim'}]];
	for (const group of grouping.groups) {
		entries.push([{text: `${count(group.exports.length)}  `}, {text: group.type, tone: 'bold'}, {text: `: ${typeChangeText(group.change)}`}]);
	}

	return entries.map((line, index) => [{text: index === cursor ? '› ' : '  ', tone: 'accent'}, ...line]);
}

type Props = {grouping: Grouping; total: number; list: ListState; height: number; width: number; theme: Theme};

/** Kernel diff: the type changes behind the CRC changes, largest first; Enter filters the table to one. */
export function CauseList({grouping, total, list, height, width, theme}: Props) {
	const heading: Line = [{text: groupingHeading(grouping), tone: 'accent'}];
	const lines = causeLines(grouping, total, list.cursor);
	const body = height - 1;
	return (
		<Box flexDirection="column" width={width} height={height}>
			<LineView line={heading} width={width} theme={theme}/>
			<LinesWindow lines={lines} top={list.top} height={body} width={width} theme={theme}/>
		</Box>
	);
}

type PendingProps = {message: string; elapsed: string; height: number; width: number; theme: Theme};

/** The causes screen while the grouping runs in the background: what it does, for how long. */
export function CausesPending({message, elapsed, height, width, theme}: PendingProps) {
	const lines: Line[] = [
		[{text: 'CRC changes by cause', tone: 'accent'}],
		[],
		[{text: `⏳ ${message}… `}, {text: elapsed, tone: 'dim'}],
		[{text: '   the list appears here when it is ready; Esc goes back to the exports meanwhile', tone: 'dim'}],
	];
	return <LinesWindow lines={lines} top={0} height={height} width={width} theme={theme}/>;
}
