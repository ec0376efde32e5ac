import {terminalSafe} from './terminal-text.js';

/*
Untrusted text in Markdown. A report is pasted into bug trackers and rendered: a module name
must not become a heading, an image with an onerror, a `[link](javascript:…)`, a new table row or
column. Every Markdown formatter puts names through `markdownText` (headings, table cells, list
items) or `markdownCode` (code spans); the text is made terminal-safe first (a report goes to
stdout too), so CR, LF and other controls become visible escapes and never break a line.
*/

const special = /[\\`|<>&[\]]/g;
const replacements: Record<string, string> = {
	'\\': '\\\\',
	'`': '\\`',
	'|': '\\|',
	'<': '&lt;',
	'>': '&gt;',
	'&': '&amp;',
	'[': '\\[',
	']': '\\]',
};

/**
Text for a heading, a table cell or a list item: backslashes, backticks, `|` and brackets are
backslash-escaped, `<`, `>` and `&` become entities (no HTML, no autolink, no link or image).
*/
export function markdownText(text: string): string {
	return terminalSafe(text).replaceAll(special, character => replacements[character]!);
}

/**
A code span holding `text` exactly (null: an em dash). Backticks inside are fenced by a longer
run of backticks (CommonMark), `|` is escaped (GitHub splits table cells before code spans, and
renders `\|` there as `|`); HTML and links mean nothing in a code span.
*/
export function markdownCode(text: string | null): string {
	if (text === null) {
		return '—';
	}

	const safe = terminalSafe(text).replaceAll('|', '\\|');
	let longest = 0;
	for (const run of safe.match(/`+/g) ?? []) {
		longest = Math.max(longest, run.length);
	}

	const fence = '`'.repeat(longest + 1);
	// A span that starts or ends with a backtick needs a space inside the fence (stripped when rendered).
	const pad = safe.startsWith('`') || safe.endsWith('`') ? ' ' : '';
	return `${fence}${pad}${safe}${pad}${fence}`;
}
