import {Box, Text} from 'ink';
import {terminalSafe} from '../../common/terminal-text.js';

/**
The first frame, drawn before any input is read: what is being done, how far each count has got
(kernels, modules of an installed tree…), and the time so far. Never a blank or frozen screen.
*/
export function LoadingFrame({message, counters, elapsed}: {message: string; counters: ReadonlyMap<string, {done: number; total: number}>; elapsed: number}) {
	const counts = [...counters].map(([what, {done, total}]) => `${what} ${done.toLocaleString('en-US')} of ${total.toLocaleString('en-US')}`).join(' · ');
	return (
		<Box flexDirection="column">
			<Text bold>kmodx: loading</Text>
			<Text wrap="truncate">⏳ {terminalSafe(message)}… <Text dimColor>{(elapsed / 1000).toFixed(1)} s   (q quits)</Text></Text>
			{counts ? <Text wrap="truncate" dimColor>   {terminalSafe(counts)}</Text> : null}
		</Box>
	);
}

/** Below the minimum size the explorer says so instead of drawing a broken table. */
export function TooSmall({need, have}: {need: [number, number]; have: [number, number]}) {
	return <Text wrap="truncate">{`need ${need[0]}×${need[1]}, have ${have[0]}×${have[1]}`}</Text>;
}
