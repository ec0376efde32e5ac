import {useCallback, useEffect, type Dispatch} from 'react';
import {useInput, type Key} from 'ink';
import type {ExplorerEvent} from '../state/explorer-state.js';

/**
Ink hands a burst of typed-ahead characters (keys sent faster than it reads, a paste) over as
one string; each character must act as its own key, e.g. "m/misc" toggles, then searches.
*/
export function splitInput(input: string): Array<{input: string; key: Partial<Key>}> {
	return [...input].map(char => {
		const code = char.codePointAt(0)!;
		if (char === '\r' || char === '\n') {
			return {input: '', key: {return: true}};
		}

		if (char === '\t') {
			return {input: '', key: {tab: true}};
		}

		if (char === '\u007F' || char === '\b') {
			return {input: '', key: {backspace: true}};
		}

		if (code < 0x20) {
			return {input: String.fromCodePoint(code + 0x60), key: {ctrl: true}};
		}

		return {input: char, key: {shift: char !== char.toLowerCase()}};
	});
}

/**
Hands every key to the reducer, which maps it through the key table in the state the previous
key left (keys can arrive several per frame). Stable handler: Ink does not re-subscribe.
*/
export type KeyPress = {input: string; key: Key};

/**
`earlyKeys`: keys pressed before this hook listened (the first frame is on screen before effects
run), handed over once it does.
*/
export function useExplorerInput(dispatch: Dispatch<ExplorerEvent>, isActive = true, earlyKeys?: () => KeyPress[]): void {
	const handler = useCallback((input: string, key: Key) => {
		if ([...input].length > 1 && !key.ctrl && !key.meta) {
			for (const part of splitInput(input)) {
				dispatch({type: 'input', ...part});
			}

			return;
		}

		dispatch({type: 'input', input, key});
	}, [dispatch]);
	useInput(handler, {isActive});
	// After useInput's own effect: from here on every key reaches the handler.
	useEffect(() => {
		for (const {input, key} of earlyKeys?.() ?? []) {
			handler(input, key);
		}
	// eslint-disable-next-line react-hooks/exhaustive-deps
	}, []);
}
