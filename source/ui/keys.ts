import type {Key} from 'ink';
import stringWidth from 'string-width';
import {maxOf} from '../common/arrays.js';

/**
The one key table: input handling, the help overlay and the footer hints are all generated
from it, so a key cannot work without being documented (or be documented without working).
*/
export type Action =
	| 'up' | 'down' | 'pageUp' | 'pageDown' | 'home' | 'end'
	| 'nextPane' | 'prevPane' | 'open' | 'back'
	| 'search' | 'searchNext' | 'searchPrev' | 'searchAccept' | 'searchCancel' | 'searchDelete'
	| 'problemsOnly' | 'sort' | 'reverse' | 'causes'
	| 'exportMarkdown' | 'exportJson' | 'copy' | 'help' | 'kernelsTable' | 'quit'
	| 'confirmYes' | 'confirmNo';

/**
Where the keyboard focus is: decides which bindings apply. `search` (a query being typed) and
`confirm` (a file about to be written) take every key: nothing else runs meanwhile.
*/
export type Scope = 'matrix' | 'symbols' | 'kernels' | 'causes' | 'detail' | 'search' | 'help' | 'overview' | 'confirm';

type Chord = {input?: string; key?: keyof Key; ctrl?: boolean; shift?: boolean};

export type Binding = {
	action: Action;
	chords: Chord[];
	/** How the help overlay and footer spell the keys. */
	keys: string;
	help: string;
	/** Shorter text for the footer; no footer hint when absent. */
	hint?: string;
	scopes: Scope[];
};

const browse: Scope[] = ['matrix', 'symbols', 'kernels', 'causes'];
const anywhere: Scope[] = ['matrix', 'symbols', 'kernels', 'causes', 'detail'];
const quitHelp = 'quit: the verdicts (and the report written) stay on the terminal';
/** Every list: what `/`, n and N search, and what the moves move in. */
const lists: Scope[] = [...browse, 'help'];

export const bindings: Binding[] = [
	{action: 'up', chords: [{key: 'upArrow'}, {input: 'k'}], keys: '↑ k', help: 'move up (scroll in a detail or this help)', hint: 'move', scopes: [...anywhere, 'help']},
	{action: 'down', chords: [{key: 'downArrow'}, {input: 'j'}], keys: '↓ j', help: 'move down', scopes: [...anywhere, 'help']},
	{action: 'pageUp', chords: [{key: 'pageUp'}, {input: 'u', ctrl: true}], keys: 'PgUp ^u', help: 'page up', scopes: [...anywhere, 'help']},
	{action: 'pageDown', chords: [{key: 'pageDown'}, {input: 'd', ctrl: true}], keys: 'PgDn ^d', help: 'page down', hint: 'page', scopes: [...anywhere, 'help']},
	{action: 'home', chords: [{key: 'home'}, {input: 'g'}], keys: 'g Home', help: 'first row', scopes: [...anywhere, 'help']},
	{action: 'end', chords: [{key: 'end'}, {input: 'G'}], keys: 'G End', help: 'last row', scopes: [...anywhere, 'help']},
	{action: 'prevPane', chords: [{key: 'tab', shift: true}], keys: 'S-Tab', help: 'previous pane', scopes: ['symbols', 'kernels']},
	{action: 'nextPane', chords: [{key: 'tab'}], keys: 'Tab', help: 'switch pane (kernels ↔ symbols)', hint: 'pane', scopes: ['symbols', 'kernels']},
	{action: 'open', chords: [{key: 'return'}], keys: 'Enter', help: 'details of the selected symbol, kernel or module (in the causes: its exports)', hint: 'detail', scopes: browse},
	{action: 'search', chords: [{input: '/'}], keys: '/', help: 'search the list shown (symbols, modules, kernels, causes, this help) as you type; no other key acts until Enter or Esc', hint: 'search', scopes: lists},
	{action: 'searchNext', chords: [{input: 'n'}], keys: 'n', help: 'next match', scopes: lists},
	{action: 'searchPrev', chords: [{input: 'N'}], keys: 'N', help: 'previous match', scopes: lists},
	{action: 'problemsOnly', chords: [{input: 'm'}], keys: 'm', help: 'problems only: hide symbols that match on every kernel (in the matrix: modules that load on every one)', hint: 'problems', scopes: ['matrix', 'symbols', 'kernels']},
	{action: 'sort', chords: [{input: 's'}], keys: 's', help: 'sort symbols by status, name, exporter', hint: 'sort', scopes: ['symbols', 'kernels']},
	{action: 'reverse', chords: [{input: 'S'}], keys: 'S', help: 'reverse the sort of symbols', scopes: ['symbols', 'kernels']},
	{action: 'causes', chords: [{input: 'c'}], keys: 'c', help: 'kernel diff with type information: the type changes behind the CRC changes, largest first', hint: 'causes', scopes: ['symbols', 'kernels']},
	{action: 'exportMarkdown', chords: [{input: 'e'}], keys: 'e', help: 'export the report as Markdown: names the new file and asks first (never overwrites)', hint: 'export', scopes: anywhere},
	{action: 'exportJson', chords: [{input: 'E'}], keys: 'E', help: 'export the report as JSON (asks first, too)', scopes: anywhere},
	{action: 'copy', chords: [{input: 'y'}], keys: 'y', help: 'copy the symbol name (OSC 52 clipboard)', hint: 'copy', scopes: ['symbols', 'detail']},
	{action: 'kernelsTable', chords: [{input: 'K'}], keys: 'K', help: 'the kernels at a glance: source kind, release, modversions, exports, verdict (a table; K or Esc closes it)', scopes: [...anywhere, 'overview']},
	{action: 'back', chords: [{key: 'escape'}], keys: 'Esc', help: 'back, or clear the search', hint: 'back', scopes: [...anywhere, 'help', 'overview']},
	{action: 'help', chords: [{input: '?'}], keys: '?', help: 'this help', hint: 'help', scopes: [...anywhere, 'help', 'overview']},
	{action: 'quit', chords: [{input: 'q'}, {input: 'c', ctrl: true}], keys: 'q ^c', help: quitHelp, hint: 'quit', scopes: [...anywhere, 'help', 'overview']},
	// While typing a search, printable keys are the query: only these are bindings.
	{action: 'searchAccept', chords: [{key: 'return'}], keys: 'Enter', help: 'keep the match', hint: 'keep', scopes: ['search']},
	{action: 'searchCancel', chords: [{key: 'escape'}], keys: 'Esc', help: 'cancel the search', hint: 'cancel', scopes: ['search']},
	{action: 'searchDelete', chords: [{key: 'backspace'}, {key: 'delete'}], keys: '⌫', help: 'delete a character', scopes: ['search']},
	{action: 'quit', chords: [{input: 'c', ctrl: true}], keys: '^c', help: quitHelp, scopes: ['search', 'confirm']},
	// Before a file is written: only yes or no.
	{action: 'confirmYes', chords: [{input: 'y'}, {key: 'return'}], keys: 'y Enter', help: 'write the file named', hint: 'write', scopes: ['confirm']},
	{action: 'confirmNo', chords: [{input: 'n'}, {key: 'escape'}], keys: 'n Esc', help: 'do not write it', hint: 'cancel', scopes: ['confirm']},
];

function matches(chord: Chord, input: string, key: Partial<Key>): boolean {
	if (chord.key !== undefined && !key[chord.key]) {
		return false;
	}

	if (chord.input !== undefined && input !== chord.input) {
		return false;
	}

	if (Boolean(chord.ctrl) !== Boolean(key.ctrl)) {
		return false;
	}

	// Shift matters only for Tab; letters carry it in their case.
	return chord.key !== 'tab' || Boolean(chord.shift) === Boolean(key.shift);
}

export function actionFor(scope: Scope, input: string, key: Partial<Key>): Action | undefined {
	for (const binding of bindings) {
		if (binding.scopes.includes(scope) && binding.chords.some(chord => matches(chord, input, key))) {
			return binding.action;
		}
	}

	return undefined;
}

/** Footer hints for a scope, as many as fit the width; help and quit always stay. */
export function footerHints(scope: Scope, width: number): string {
	const hinted = bindings.filter(binding => binding.hint && binding.scopes.includes(scope));
	const always = new Set<Action>(['help', 'quit']);
	const hint = (binding: Binding) => `${binding.keys.split(' ')[0]} ${binding.hint}`;
	const parts = hinted.filter(binding => !always.has(binding.action)).map(hint);
	if (scope === 'search') {
		parts.unshift('type to search');
	}

	const tail = hinted.filter(binding => always.has(binding.action)).map(hint).join('  ');
	let line = '';
	for (const part of parts) {
		const next = line ? `${line}  ${part}` : part;
		if (stringWidth(next) + (tail ? stringWidth(tail) + 2 : 0) > width) {
			break;
		}

		line = next;
	}

	return [line, tail].filter(Boolean).join('  ');
}

/** The help overlay's entries: every binding once, in the table's order. */
export function helpLines(): Array<{keys: string; help: string}> {
	const seen = new Set<string>();
	const lines: Array<{keys: string; help: string}> = [];
	for (const binding of bindings) {
		const only = binding.scopes.length <= 2 && binding.scopes.every(scope => scope === 'search' || scope === 'confirm');
		const id = `${binding.action}:${binding.keys}`;
		if (seen.has(id) || (only && binding.action === 'quit')) {
			continue;
		}

		seen.add(id);
		const prefix = binding.scopes[0] === 'search' ? '/… ' : binding.scopes[0] === 'confirm' ? 'e… ' : '';
		lines.push({keys: prefix + binding.keys, help: binding.help});
	}

	return lines;
}

/**
The help as terminal rows of at most `width` cells: the keys in a column as wide as the widest,
each description word-wrapped beside it (no borders, no separators: one row per line of text).
`entry` is the binding a row belongs to.
*/
export function helpRows(width: number): Array<{text: string; entry: number}> {
	const entries = helpLines();
	const keyWidth = maxOf(entries, entry => stringWidth(entry.keys)) + 2;
	const rows: Array<{text: string; entry: number}> = [];
	for (const [index, entry] of entries.entries()) {
		const wrapped = wrapWords(entry.help, Math.max(10, width - keyWidth - 1));
		for (const [part, text] of wrapped.entries()) {
			const keys = part === 0 ? entry.keys : '';
			rows.push({text: ` ${keys}${' '.repeat(keyWidth - stringWidth(keys))}${text}`, entry: index});
		}
	}

	return rows;
}

function wrapWords(text: string, width: number): string[] {
	const lines: string[] = [];
	let line = '';
	for (const word of text.split(' ')) {
		const next = line ? `${line} ${word}` : word;
		if (line && stringWidth(next) > width) {
			lines.push(line);
			line = word;
		} else {
			line = next;
		}
	}

	lines.push(line);
	return lines;
}
