/**
Any character a terminal acts on, or that hides or reorders text: C0 (LF aside: callers split
lines first), DEL, C1, soft hyphen, Arabic letter mark, zero-width and bidi marks, line and
paragraph separators, embeddings, overrides, isolates, invisible operators, BOM.
*/
// eslint-disable-next-line no-control-regex -- control characters are what this finds.
export const unsafeCharacter = /[\u0000-\u0009\u000B-\u001F\u007F-\u009F\u00AD\u061C\u200B-\u200F\u2028-\u202E\u2060-\u2064\u2066-\u206F\uFEFF]/u;

/** kmodx's own styling, the only escape sequences it may print: SGR colors and line erasing. */
// eslint-disable-next-line no-control-regex -- ESC starts the escape sequences this strips.
const ownStyling = /\u001B\[[\d;]*[mK]/g;

/** The first unsafe character of `output` other than line feeds and kmodx's own SGR codes, with context; undefined when clean. */
export function firstUnsafe(output: string): string | undefined {
	const text = output.replaceAll(ownStyling, '');
	const match = unsafeCharacter.exec(text);
	return match ? JSON.stringify(text.slice(Math.max(0, match.index - 30), match.index + 30)) : undefined;
}
