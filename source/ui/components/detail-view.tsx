import {Box} from 'ink';
import type {Line, Theme} from '../theme.js';
import {LinesWindow, LineView} from './line-view.js';

type Props = {lines: Line[]; scroll: number; height: number; width: number; border: boolean; theme: Theme};

/** A scrolling detail (symbol or kernel); beside the table it has a rule on its left. */
export function DetailView({lines, scroll, height, width, border, theme}: Props) {
	const inner = border ? width - 2 : width;
	const scrolls = lines.length > height;
	// When it scrolls, the last line says where you are.
	const body = scrolls ? height - 1 : height;
	const top = Math.max(0, Math.min(scroll, lines.length - body));
	const more = scrolls ? ` ${top + 1}-${Math.min(lines.length, top + body)} of ${lines.length} lines` : '';
	const window = <LinesWindow lines={lines} top={top} height={body} width={inner} theme={theme}/>;
	const content = (
		<Box flexDirection="column" width={inner} height={height}>
			{window}
			{more ? <LineView line={[{text: `${more} (↑↓ PgUp PgDn scroll)`, tone: 'dim'}]} width={inner} theme={theme}/> : null}
		</Box>
	);
	if (!border) {
		return content;
	}

	return (
		<Box flexDirection="row" width={width} height={height} overflow="hidden">
			<Box flexDirection="column" width={2} height={height}>
				{Array.from({length: height}, (_, index) => <LineView key={index} line={[{text: '│', tone: 'dim'}]} width={2} theme={theme}/>)}
			</Box>
			{content}
		</Box>
	);
}
