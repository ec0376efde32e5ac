import type {CellState} from './state/rows.js';

/** What a piece of text means; the theme decides how (or whether) that is coloured. */
export type Tone = 'bad' | 'good' | 'warn' | 'unknown' | 'added' | 'removed' | 'dim' | 'bold' | 'accent' | 'plain';

export type Segment = {text: string; tone?: Tone};
export type Line = Segment[];

export type Theme = {color: boolean};

export const stateTone: Record<CellState, Tone> = {ok: 'good', bad: 'bad', unknown: 'unknown', warn: 'warn', added: 'added', removed: 'removed', none: 'dim'};

/** Pads or cuts text to exactly `width` cells (all text here is one cell per code point). */
export function fit(text: string, width: number): string {
	if (width <= 0) {
		return '';
	}

	const chars = [...text];
	if (chars.length > width) {
		return chars.slice(0, Math.max(0, width - 1)).join('') + '…';
	}

	return text + ' '.repeat(width - chars.length);
}

export const textLength = (text: string) => [...text].length;

/** Cuts a line of segments to `width` cells. */
export function clipLine(line: Line, width: number): Line {
	const out: Line = [];
	let left = width;
	for (const segment of line) {
		if (left <= 0) {
			break;
		}

		const length = textLength(segment.text);
		if (length <= left) {
			out.push(segment);
			left -= length;
		} else {
			out.push({...segment, text: fit(segment.text, left)});
			left = 0;
		}
	}

	return out;
}

/** Word-wraps plain text into lines of at most `width` cells; leading spaces are kept, `indent` prefixes continuation lines. */
export function wrap(text: string, width: number, indent = ''): string[] {
	const lead = /^ */.exec(text)![0];
	const lines: string[] = [];
	let line = lead;
	for (const word of text.slice(lead.length).split(' ')) {
		const candidate = line.trim() === '' ? line + word : `${line} ${word}`;
		if (textLength(candidate) <= width || line.trim() === '') {
			line = candidate;
		} else {
			lines.push(line);
			line = indent + word;
		}
	}

	lines.push(line);
	// Words longer than the width are hard-cut.
	return lines.flatMap(item => {
		const chars = [...item];
		if (width <= 0 || chars.length <= width) {
			return [item];
		}

		const parts: string[] = [];
		for (let start = 0; start < chars.length; start += width) {
			parts.push(chars.slice(start, start + width).join(''));
		}

		return parts;
	});
}

const sgr: Partial<Record<Tone, {color: number; attributes: number[]}>> = {
	bad: {color: 31, attributes: []},
	removed: {color: 31, attributes: []},
	good: {color: 32, attributes: []},
	warn: {color: 33, attributes: []},
	unknown: {color: 35, attributes: []},
	added: {color: 36, attributes: []},
	accent: {color: 36, attributes: [1]},
};

/**
A line as one string with its own SGR codes: one Ink node per terminal line instead of one per
segment, which is what keeps a page of the 25,000-row list cheap to lay out.
*/
export function lineToAnsi(line: Line, theme: Theme, inverse = false): string {
	let out = '';
	for (const segment of line) {
		const codes: number[] = inverse ? [7] : [];
		const style = segment.tone ? sgr[segment.tone] : undefined;
		if (style && theme.color) {
			codes.push(style.color);
		}

		if (segment.tone === 'bold' || (segment.tone === 'accent')) {
			codes.push(1);
		}

		if (segment.tone === 'dim') {
			codes.push(2);
		}

		out += codes.length > 0 ? `\u001B[${codes.join(';')}m${segment.text}\u001B[0m` : segment.text;
	}

	return out;
}
