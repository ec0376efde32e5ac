import {Box, Text} from 'ink';
import {terminalSafe} from '../../common/terminal-text.js';

/** Shown while kernels load (vmlinuz decompression takes a second or two): never a frozen screen. */
export function ProgressLine({message, elapsed}: {message: string; elapsed: number}) {
	return (
		<Box>
			<Text>⏳ {terminalSafe(message)}… </Text>
			<Text dimColor>{(elapsed / 1000).toFixed(1)} s   (q quits)</Text>
		</Box>
	);
}

/** Below the minimum size the explorer says so instead of drawing a broken table. */
export function TooSmall({need, have}: {need: [number, number]; have: [number, number]}) {
	return <Text wrap="truncate">{`need ${need[0]}×${need[1]}, have ${have[0]}×${have[1]}`}</Text>;
}
