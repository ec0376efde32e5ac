/*
Untrusted text on a terminal. Every name kmodx prints comes from a file someone else made
(`.modinfo` values, `__versions`, Module.symvers columns, paths) and can hold ESC/CSI/OSC
sequences (OSC 52 writes the clipboard, OSC 0 the window title), CR and LF that forge lines,
8-bit C1 controls (U+009B is CSI on many terminals), and bidi overrides or zero-width characters
that make a name read as another. `terminalSafe` shows each of them as a visible escape, so the
user still sees what the file holds and the terminal receives only printable text.
Pure: no terminal code here; the formatters and the explorer call it where text leaves kmodx.
*/

/**
What is never printed raw: C0 controls, DEL and C1 controls (Cc), format characters (Cf: bidi
embeddings, overrides and isolates, zero-width space/joiners, BOM, soft hyphen, tags), line and
paragraph separators (Zl, Zp) and lone surrogates (Cs, from damaged UTF-16: never from our
UTF-8 decoding, but a string may come from elsewhere).
*/
const unsafe = /[\p{Cc}\p{Cf}\p{Zl}\p{Zp}\p{Cs}]/u;
const unsafeAll = /[\p{Cc}\p{Cf}\p{Zl}\p{Zp}\p{Cs}]/gu;

const named: Record<string, string> = {'\t': '\\t', '\n': '\\n', '\r': '\\r'};

function visible(character: string): string {
	const named_ = named[character];
	if (named_) {
		return named_;
	}

	const code = character.codePointAt(0)!;
	if (code <= 0xFF) {
		return `\\x${code.toString(16).padStart(2, '0')}`;
	}

	return code <= 0xFF_FF ? `\\u${code.toString(16).padStart(4, '0')}` : `\\u{${code.toString(16)}}`;
}

/** Whether `text` holds nothing a terminal would act on (and nothing that hides or reorders text). */
export function isTerminalSafe(text: string): boolean {
	return !unsafe.test(text);
}

/**
`text` with every control, format and separator character shown as an escape: `\x1b`, `\x9b`,
`\n`, `\r`, `\t`, `\u202e`, `\u{e0001}`. Printable text (any script) is unchanged, and so is a
string that needs nothing (the same string is returned: cheap on the common path).
*/
export function terminalSafe(text: string): string {
	return unsafe.test(text) ? text.replaceAll(unsafeAll, visible) : text;
}

/**
A copy of a JSON-like value (plain objects, arrays, strings, numbers…) with every string made
terminal-safe, keys included; parts that need nothing are shared, not copied. For the text
formatters, which take a whole report: one call makes every name in it safe to print.
*/
export function terminalSafeDeep<T>(value: T): T {
	return safeValue(value) as T;
}

function safeValue(value: unknown): unknown {
	if (typeof value === 'string') {
		return terminalSafe(value);
	}

	if (Array.isArray(value)) {
		let copy: unknown[] | undefined;
		for (let index = 0; index < value.length; index++) {
			const item: unknown = value[index];
			const safe = safeValue(item);
			if (safe !== item) {
				copy ??= [...value];
				copy[index] = safe;
			}
		}

		return copy ?? value;
	}

	if (value !== null && typeof value === 'object' && Object.getPrototypeOf(value) === Object.prototype) {
		let copy: Record<string, unknown> | undefined;
		for (const [key, item] of Object.entries(value)) {
			const safeKey = terminalSafe(key);
			const safe = safeValue(item);
			if (safe !== item || safeKey !== key) {
				copy ??= {...value};
				if (safeKey !== key) {
					delete copy[key];
				}

				copy[safeKey] = safe;
			}
		}

		return copy ?? value;
	}

	return value;
}

/** What JSON.stringify leaves raw that a terminal may act on: DEL, C1, format characters, separators. */
const unsafeInJson = /[\u007F-\u009F\p{Cf}\p{Zl}\p{Zp}]/gu;

/**
JSON text (as JSON.stringify makes it) with the characters it leaves raw but a terminal may act
on (C1 controls: C2 9B is CSI; bidi overrides) written as `\uXXXX` escapes. The same JSON value:
a program reading it gets every name exactly; a terminal showing it gets text.
*/
export function jsonTerminalSafe(json: string): string {
	return json.replaceAll(unsafeInJson, character => {
		// An astral format character (a tag) is two UTF-16 units: a surrogate pair of escapes.
		let escaped = '';
		for (let index = 0; index < character.length; index++) {
			escaped += `\\u${character.charCodeAt(index).toString(16).padStart(4, '0')}`;
		}

		return escaped;
	});
}
