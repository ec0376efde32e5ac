import {Box} from 'ink';
import type {Line, Theme} from '../theme.js';
import {LineView} from './line-view.js';

type Props = {status: Line; hints: string; width: number; theme: Theme};

/** Two lines: where you are (position, filter, search, last message) and the keys that work here. */
export function Footer({status, hints, width, theme}: Props) {
	return (
		<Box flexDirection="column" width={width} height={2}>
			<LineView line={status} width={width} theme={theme}/>
			<LineView line={[{text: hints, tone: 'dim'}]} width={width} theme={theme}/>
		</Box>
	);
}
