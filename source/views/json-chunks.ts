/*
JSON.stringify(value, null, 2) in pieces. A report's size follows its input: a module of a
million imports makes a kmodx.check/1 document longer than V8's longest string (about 512 MiB),
and JSON.stringify then throws "Invalid string length". The same text, made in chunks of at most
about a mebibyte, streams to its file or stdout instead. Only JSON values (plain objects, arrays,
strings, numbers, booleans, null) are expected, as reports hold; undefined properties are left
out as JSON.stringify does. No recursion: a deep value does not reach the stack.
*/

import {jsonTerminalSafe} from '../common/terminal-text.js';

const chunkSize = 1024 * 1024;

type Frame = {
	indent: string;
	/** Entries still to write: [key or undefined (array), value]. */
	entries: Array<[string | undefined, unknown]>;
	next: number;
	close: string;
};

function isContainer(value: unknown): value is Record<string, unknown> | unknown[] {
	return value !== null && typeof value === 'object';
}

/** Text for a value that is not a non-empty container (what JSON.stringify gives for it). */
function scalar(value: unknown): string {
	if (Array.isArray(value)) {
		return '[]';
	}

	if (isContainer(value)) {
		return '{}';
	}

	return jsonTerminalSafe(JSON.stringify(value) ?? 'null');
}

function entriesOf(value: Record<string, unknown> | unknown[]): Array<[string | undefined, unknown]> {
	if (Array.isArray(value)) {
		return value.map(item => [undefined, item === undefined || typeof item === 'function' ? null : item]);
	}

	return Object.entries(value).filter(([, item]) => item !== undefined && typeof item !== 'function');
}

/**
The pieces of `JSON.stringify(value, null, 2) + '\n'`, in order; characters a terminal may act
on that JSON leaves raw (C1, bidi) are `\uXXXX` escapes (jsonTerminalSafe): the same JSON value.
*/
export function* jsonChunks(value: unknown): Generator<string> {
	let out = '';
	const open = (container: Record<string, unknown> | unknown[], indent: string): Frame | undefined => {
		const entries = entriesOf(container);
		if (entries.length === 0) {
			out += Array.isArray(container) ? '[]' : '{}';
			return undefined;
		}

		out += Array.isArray(container) ? '[' : '{';
		return {indent: indent + '  ', entries, next: 0, close: `\n${indent}${Array.isArray(container) ? ']' : '}'}`};
	};

	const stack: Frame[] = [];
	if (isContainer(value)) {
		const frame = open(value, '');
		if (frame) {
			stack.push(frame);
		}
	} else {
		out += scalar(value);
	}

	while (stack.length > 0) {
		const frame = stack.at(-1)!;
		if (frame.next >= frame.entries.length) {
			out += frame.close;
			stack.pop();
			continue;
		}

		const [key, item] = frame.entries[frame.next]!;
		out += `${frame.next === 0 ? '' : ','}\n${frame.indent}${key === undefined ? '' : `${jsonTerminalSafe(JSON.stringify(key))}: `}`;
		frame.next++;
		if (isContainer(item)) {
			const inner = open(item, frame.indent);
			if (inner) {
				stack.push(inner);
			}
		} else {
			out += scalar(item);
		}

		if (out.length >= chunkSize) {
			yield out;
			out = '';
		}
	}

	yield out + '\n';
}
