import {Box} from 'ink';
import type {CheckReport} from '../../engine/check-report.js';
import type {KernelVerdict} from '../../verdict/check-module.js';
import type {ListState} from '../state/list-state.js';
import {marks} from '../state/rows.js';
import {fit, textLength, type Line, type Theme, type Tone} from '../theme.js';
import {LineView} from './line-view.js';

type Props = {
	report: CheckReport;
	/** Module indexes in the order shown (after the problems filter); every module when absent. */
	view?: readonly number[];
	/** Cursor and window, positions in `view`. */
	list: ListState;
	height: number;
	width: number;
	theme: Theme;
};

export function matrixCellText(result: KernelVerdict): string {
	if (result.verdict === 'loads') {
		return `${marks.ok} loads`;
	}

	if (result.verdict === 'undecided') {
		return `${marks.unknown} undecided`;
	}

	return result.stops_at === 'symbols' ? `${marks.bad} ${result.problems.length} sym` : `${marks.bad} ${result.stops_at ?? ''}`;
}

const cellTone = (result: KernelVerdict): Tone => (result.verdict === 'loads' ? 'good' : (result.verdict === 'fails' ? 'bad' : 'unknown'));
/** Columns of a kernel's cell, its one-space gap included: `✗ module_layout` and `? undecided` fit. */
const cell = 17;
/** Cursor and mark before the name. */
const lead = 3;

/**
The name column: as wide as the longest name (and a gap), as far as the kernels' columns leave
room; a longer name is cut with … and still ends in a space, so columns never run together.
*/
export function matrixNameWidth(names: readonly string[], kernels: number, width: number): number {
	const longest = names.reduce((max, name) => Math.max(max, textLength(name)), 6);
	const room = width - lead - (kernels * cell);
	return Math.max(8, Math.min(longest + 2, room));
}

/** Several modules: one line per module, one column per kernel; Enter opens the module. */
export function ModuleMatrix({report, view, list, height, width, theme}: Props) {
	const shown = view ?? report.modules.map((_, index) => index);
	const nameWidth = matrixNameWidth(report.modules.map(module => module.name), report.kernels.length, width);
	const column = (text: string, size: number) => fit(text, size - 1) + ' ';
	const header: Line = [{text: ' '.repeat(lead) + column('module', nameWidth) + report.kernels.map(kernel => column(kernel.label, cell)).join(''), tone: 'bold'}];
	const {cursor, top} = list;
	const lines = shown.slice(top, top + height - 1).map((index, offset) => {
		const module = report.modules[index]!;
		const position = top + offset;
		const state = module.results.every(result => result.verdict === 'loads') ? 'ok' : (module.results.some(result => result.verdict === 'fails') ? 'bad' : 'unknown');
		const line: Line = [
			{text: position === cursor ? '›' : ' ', tone: 'accent'},
			{text: `${marks[state]} `, tone: state === 'ok' ? 'good' : (state === 'bad' ? 'bad' : 'unknown')},
			{text: column(module.name, nameWidth), tone: 'bold'},
			...module.results.map(result => ({text: column(matrixCellText(result), cell), tone: cellTone(result)})),
		];
		return <LineView key={position} line={line} width={width} theme={theme} inverse={position === cursor}/>;
	});
	if (shown.length === 0) {
		lines.push(<LineView key="none" line={[{text: '   no module left: every one loads on every kernel (m shows them again)', tone: 'dim'}]} width={width} theme={theme}/>);
	}

	while (lines.length < height - 1) {
		lines.push(<LineView key={`empty${lines.length}`} line={[]} width={width} theme={theme}/>);
	}

	return (
		<Box flexDirection="column" width={width} height={height} overflow="hidden">
			<LineView line={header} width={width} theme={theme}/>
			{lines}
		</Box>
	);
}
