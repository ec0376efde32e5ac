import {Table} from '@alcalzone/ink-table';
import {Box, Text} from 'ink';
import type {PropsWithChildren} from 'react';
import {helpLines} from '../keys.js';
import type {Theme} from '../theme.js';
import {LineView} from './line-view.js';

type Props = {scroll: number; height: number; width: number; theme: Theme};

/** Title and marks line, the table's top border, heading, its separator and bottom border. */
const chrome = 5;

/**
Generated from the key table, like the footer. A short, bounded table: the one place where
ink-table's self-sizing columns fit (the symbol list is virtualized and draws its own rows).
*/
export function HelpOverlay({scroll, height, width, theme}: Props) {
	const entries = helpLines();
	// ink-table draws a separator under every row: two lines a row.
	const visible = Math.max(1, Math.floor((height - chrome) / 2));
	const top = Math.max(0, Math.min(scroll, entries.length - visible));
	const data = entries.slice(top, top + visible).map(entry => ({key: entry.keys, action: entry.help}));
	// Colour only where colour is allowed; ink-table's default heading is blue.
	const heading = ({children}: PropsWithChildren) => <Text bold color={theme.color ? 'cyan' : undefined}>{children}</Text>;
	const more = top + visible < entries.length ? `  ↓ ${entries.length - top - visible} more` : '';
	return (
		<Box flexDirection="column" width={width} height={height} overflow="hidden">
			<LineView line={[{text: 'Keys', tone: 'accent'}, {text: `   (Esc or ? closes)${more}`, tone: 'dim'}]} width={width} theme={theme}/>
			<Box flexShrink={0}>
				<Table data={data} columns={['key', 'action']} header={heading}/>
			</Box>
			<LineView line={[{text: 'Marks: ✓ matches  ✗ fails  ? undecided  ⚠ warning  + added  − removed', tone: 'dim'}]} width={width} theme={theme}/>
		</Box>
	);
}
