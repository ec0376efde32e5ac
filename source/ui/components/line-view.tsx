import {memo} from 'react';
import {Box, Text} from 'ink';
import {clipLine, lineToAnsi, textLength, type Line, type Theme} from '../theme.js';

type LineProps = {line: Line; width: number; theme: Theme; inverse?: boolean};

/** One terminal line of segments, cut and padded to `width` so it can never wrap. */
export const LineView = memo(function LineView({line, width, theme, inverse}: LineProps) {
	const clipped = clipLine(line, width);
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
