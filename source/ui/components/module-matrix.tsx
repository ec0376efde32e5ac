import {Box} from 'ink';
import type {CheckReport} from '../../report/check-report.js';
import type {KernelVerdict} from '../../verdict/check-module.js';
import {marks} from '../state/rows.js';
import {fit, type Line, type Theme} from '../theme.js';
import {LineView} from './line-view.js';

type Props = {report: CheckReport; cursor: number; height: number; width: number; theme: Theme};

function cellText(result: KernelVerdict): string {
	if (result.verdict === 'loads') {
		return `${marks.ok} loads`;
	}

	if (result.verdict === 'undecided') {
		return `${marks.unknown} undecided`;
	}

	return result.stops_at === 'symbols' ? `${marks.bad} ${result.problems.length} sym` : `${marks.bad} ${result.stops_at ?? ''}`;
}

/** Several modules: one line per module, one column per kernel; Enter opens the module. */
export function ModuleMatrix({report, cursor, height, width, theme}: Props) {
	const nameWidth = Math.min(28, Math.max(8, ...report.modules.map(module => module.name.length)) + 2);
	const cell = 15;
	const header: Line = [{text: '   ' + fit('module', nameWidth) + report.kernels.map(kernel => fit(kernel.label, cell)).join(''), tone: 'bold'}];
	const top = Math.max(0, Math.min(cursor - height + 2, report.modules.length - height + 1));
	const lines = report.modules.slice(top, top + height - 1).map((module, offset) => {
		const index = top + offset;
		const state = module.results.every(result => result.verdict === 'loads') ? 'ok' : (module.results.some(result => result.verdict === 'fails') ? 'bad' : 'unknown');
		const line: Line = [
			{text: index === cursor ? '›' : ' ', tone: 'accent'},
			{text: `${marks[state]} `, tone: state === 'ok' ? 'good' : (state === 'bad' ? 'bad' : 'unknown')},
			{text: fit(module.name, nameWidth), tone: 'bold'},
			...module.results.map(result => ({text: fit(cellText(result), cell), tone: result.verdict === 'loads' ? 'good' as const : (result.verdict === 'fails' ? 'bad' as const : 'unknown' as const)})),
		];
		return <LineView key={index} line={line} width={width} theme={theme} inverse={index === cursor}/>;
	});
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
