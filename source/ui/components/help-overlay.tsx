import {Box} from 'ink';
import {helpRows} from '../keys.js';
import type {Line, Theme} from '../theme.js';
import {LineView} from './line-view.js';

type Props = {scroll: number; height: number; width: number; matches?: readonly number[]; theme: Theme};

/** The title line and the marks line around the rows. */
const chrome = 2;

/**
Generated from the key table, like the footer and README's table: one row per line of text, the
descriptions wrapped to the width (never a row wider than the terminal, no borders to wrap), and
`↑ n more` / `↓ n more` where rows are out of view.
*/
export function HelpOverlay({scroll, height, width, matches = [], theme}: Props) {
	const rows = helpRows(width);
	const body = Math.max(1, height - chrome);
	const top = Math.max(0, Math.min(scroll, rows.length - body));
	const above = top;
	const below = Math.max(0, rows.length - top - body);
	const found = new Set(matches);
	const title: Line = [{text: 'Keys', tone: 'accent'}, {text: '  (Esc or ? closes, / searches)', tone: 'dim'}];
	if (above > 0) {
		title.push({text: `  ↑ ${above} more`, tone: 'dim'});
	}

	const shown = rows.slice(top, top + body).map((row, offset): Line => [{text: row.text, tone: found.has(top + offset) ? 'accent' : undefined}]);
	while (shown.length < body) {
		shown.push([]);
	}

	const marks: Line = [{text: below > 0 ? `↓ ${below} more · ` : '', tone: 'dim'}, {text: 'Marks: ✓ matches  ✗ fails  ? undecided  ⚠ warning  + added  − removed', tone: 'dim'}];
	return (
		<Box flexDirection="column" width={width} height={height} overflow="hidden">
			<LineView line={title} width={width} theme={theme}/>
			{shown.map((line, index) => (
				// eslint-disable-next-line react/no-array-index-key
				<LineView key={index} line={line} width={width} theme={theme}/>
			))}
			<LineView line={marks} width={width} theme={theme}/>
		</Box>
	);
}
