import {memo} from 'react';
import {Box, Text} from 'ink';
import {isTerminalSafe, terminalSafe} from '../../common/terminal-text.js';
import {clipLine, lineToAnsi, textLength, type Line, type Theme} from '../theme.js';

type LineProps = {line: Line; width: number; theme: Theme; inverse?: boolean};

/**
One terminal line of segments, cut and padded to `width` so it can never wrap. Every line the
explorer draws passes here, and names in it come from files: controls (ESC, OSC 52 and OSC 0,
which Ink passes through, CR, LF, C1, bidi overrides) are shown as escapes, never sent.
*/
export const LineView = memo(function LineView({line, width, theme, inverse}: LineProps) {
	const clipped = clipLine(safeLine(line), width);
	const used = clipped.reduce((sum, segment) => sum + textLength(segment.text), 0);
	const padded = used < width ? [...clipped, {text: ' '.repeat(width - used)}] : clipped;
	return <Text wrap="truncate">{lineToAnsi(padded, theme, inverse)}</Text>;
});

type WindowProps = {lines: Line[]; top: number; height: number; width: number; theme: Theme};

/** A fixed-height window onto many lines: only the visible ones are rendered. */
export function LinesWindow({lines, top, height, width, theme}: WindowProps) {
	const visible: Array<Line | undefined> = lines.slice(top, top + height);
	while (visible.length < height) {
		visible.push(undefined);
	}

	return (
		<Box flexDirection="column" width={width} height={height} overflow="hidden">
			{visible.map((line, index) => (
				// eslint-disable-next-line react/no-array-index-key
				<LineView key={index} line={line ?? []} width={width} theme={theme}/>
			))}
		</Box>
	);
}

/** The line with every segment's text terminal-safe; the same line when nothing needs it. */
export function safeLine(line: Line): Line {
	return line.every(segment => isTerminalSafe(segment.text)) ? line : line.map(segment => ({...segment, text: terminalSafe(segment.text)}));
}
