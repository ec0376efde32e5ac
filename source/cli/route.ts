import type {CliFlags} from './flags.js';

export type Command = 'check' | 'plan' | 'weak-modules' | 'why' | 'hook' | 'completion' | 'explore' | 'diff';

/**
Which command an invocation runs, and on what. One function for both entries (the full CLI and
the CommonJS fast path for `check`), so they can never disagree.
*/
export function route(input: string[], flags: CliFlags, terminal: boolean): {command: Command; paths: string[]} {
	const [first, ...rest] = input;
	switch (first) {
		case 'check':
		case 'plan':
		case 'weak-modules':
		case 'why':
		case 'hook':
		case 'completion': {
			return {command: first, paths: rest};
		}

		default: {
			// `kmodx MODULE…`: the explorer on a terminal, the check report when piped or written out.
			if (terminal && !flags.output && flags.format === 'text') {
				return {command: 'explore', paths: input};
			}

			return {command: input.length === 0 ? 'diff' : 'check', paths: input};
		}
	}
}

export function onTerminal(): boolean {
	return Boolean(process.stdout.isTTY && process.stdin.isTTY);
}
