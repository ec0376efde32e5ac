/*
A view model: what a document says, line by line, with what each piece means (its tone) and
where it sits (its indent), but no terminal, color or Markdown yet. The text formatters flatten
it, the explorer draws it: both show the same lines. Pure: no ink, no react, no escaping (each
renderer escapes untrusted text its own way, at the edge).
*/

/** What a piece of text means; a renderer decides how (or whether) that is shown. */
export type Tone = 'bad' | 'good' | 'warn' | 'unknown' | 'added' | 'removed' | 'dim' | 'bold' | 'accent' | 'plain';

export type Segment = {text: string; tone?: Tone};

/**
One line: `indent` cells of space before its segments (a wrapped continuation indents two more),
`role` what it is, for renderers that lay roles out differently (a gap is an empty line).
*/
export type ViewLine = {
	role: 'title' | 'fact' | 'heading' | 'section' | 'item' | 'detail' | 'note' | 'gap';
	indent: number;
	segments: Segment[];
};

export const gap: ViewLine = {role: 'gap', indent: 0, segments: []};

/** A line of one segment. */
export const viewLine = (role: ViewLine['role'], text: string, tone?: Tone, indent = 0): ViewLine => ({role, indent, segments: [{text, tone}]});

/** The line as plain text, its indent as spaces; `escape` makes each segment safe for where it goes. */
export function plainLine(line: ViewLine, escape: (text: string) => string = text => text): string {
	return ' '.repeat(line.indent) + line.segments.map(segment => escape(segment.text)).join('');
}
