import stringWidth from 'string-width';
import type {CellState} from './state/rows.js';
import type {Segment, Tone} from '../views/view-line.js';

/** Tones and segments are the view model's: the theme decides how (or whether) a tone is colored. */
export type {Segment, Tone} from '../views/view-line.js';
export type Line = Segment[];

export type Theme = {color: boolean};

export const stateTone: Record<CellState, Tone> = {ok: 'good', bad: 'bad', unknown: 'unknown', warn: 'warn', added: 'added', removed: 'removed', none: 'dim'};

/** Terminal cells `text` takes: wide CJK and emoji take two, combining marks none (string-width, as Ink measures). */
export const textLength = (text: string) => stringWidth(text);

/** The longest prefix of `text` (whole code points) that fits in `width` cells. */
function cut(text: string, width: number): string {
	let used = 0;
	let end = 0;
	for (const char of text) {
		const cells = stringWidth(char);
		if (used + cells > width) {
			break;
		}

		used += cells;
		end += char.length;
	}

	return text.slice(0, end);
}

/** Pads or cuts text to exactly `width` cells. */
export function fit(text: string, width: number): string {
	if (width <= 0) {
		return '';
	}

	const length = textLength(text);
	if (length > width) {
		const kept = cut(text, width - 1) + '…';
		return kept + ' '.repeat(Math.max(0, width - textLength(kept)));
	}

	return text + ' '.repeat(width - length);
}

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
		if (width <= 0 || textLength(item) <= width) {
			return [item];
		}

		const parts: string[] = [];
		let rest = item;
		while (rest !== '') {
			// A character wider than the whole width still goes on a line of its own.
			const part = cut(rest, width) || [...rest][0]!;
			parts.push(part);
			rest = rest.slice(part.length);
		}

		return parts;
	});
}

/**
Word-wraps a line of segments like `wrap`, `indent` cells in (continuations two more), each
piece keeping its segment's tone.
*/
export function wrapLine(segments: readonly Segment[], width: number, indent = 0): Line[] {
	// Wrapping moves only spaces: the other characters keep their order, so each takes its tone back.
	const tones: Array<Tone | undefined> = [];
	for (const segment of segments) {
		for (const char of segment.text) {
			if (char !== ' ') {
				tones.push(segment.tone);
			}
		}
	}

	const text = ' '.repeat(indent) + segments.map(segment => segment.text).join('');
	let next = 0;
	return wrap(text, width, ' '.repeat(indent + 2)).map(part => {
		const line: Line = [];
		let tone: Tone | undefined;
		for (const char of part) {
			if (char !== ' ') {
				tone = tones[next++];
			}

			const last = line.at(-1);
			if (last && last.tone === tone) {
				last.text += char;
			} else {
				line.push({text: char, tone});
			}
		}

		return line;
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
