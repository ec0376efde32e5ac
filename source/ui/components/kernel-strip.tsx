import {Box} from 'ink';
import {marks} from '../state/rows.js';
import {terminalSafe} from '../../common/terminal-text.js';
import {fit, textLength, type Line, type Theme, type Tone} from '../theme.js';
import type {ListState} from '../state/list-state.js';
import {LineView} from './line-view.js';
import {maxOf} from '../../common/arrays.js';

export type StripEntry = {label: string; state: 'ok' | 'bad' | 'warn' | 'none'; text: string};

const tones: Record<StripEntry['state'], Tone> = {ok: 'good', bad: 'bad', warn: 'unknown', none: 'dim'};
const stripMarks: Record<StripEntry['state'], string> = {ok: marks.ok, bad: marks.bad, warn: marks.unknown, none: '•'};

type Props = {entries: StripEntry[]; list: ListState; height: number; width: number; focused: boolean; theme: Theme};

/** One line per kernel with its verdict; scrolls when there are more kernels than lines. */
export function KernelStrip({entries, list, height, width, focused, theme}: Props) {
	// As wide as the longest label (in cells), up to a third of the width: the verdict needs the rest.
	const labelWidth = Math.min(Math.max(16, Math.floor(width / 3)), maxOf(entries, entry => textLength(terminalSafe(entry.label))));
	const {cursor, top} = list;
	const lines = entries.slice(top, top + height).map((entry, offset) => {
		const index = top + offset;
		const selected = focused && index === cursor;
		const line: Line = [
			{text: selected ? '›' : ' ', tone: 'accent'},
			{text: `${stripMarks[entry.state]} `, tone: tones[entry.state]},
			{text: fit(entry.label, labelWidth) + '  ', tone: 'bold'},
			{text: entry.text, tone: tones[entry.state]},
		];
		return <LineView key={index} line={line} width={width} theme={theme} inverse={selected}/>;
	});
	return <Box flexDirection="column" width={width} height={height} overflow="hidden">{lines}</Box>;
}
