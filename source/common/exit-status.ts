import {terminalSafe} from './terminal-text.js';

/**
The exit statuses of every command and of the explorer (README, "Exit status"): what a script can
rely on. 70 is sysexits' EX_SOFTWARE: a crash must never look like a verdict (1: does not load).
*/
export const exitStatus = {ok: 0, fails: 1, badInput: 2, undecided: 3, internalError: 70} as const;

/**
What kmodx prints for an unexpected exception (a bug, not the input's fault): one line with a hint
to report it; its stack only with KMODX_DEBUG=1. Text from the error is escaped like any input.
*/
export function internalErrorText(error: unknown, debug = Boolean(process.env['KMODX_DEBUG'])): string {
	const message = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
	const line = `kmodx: internal error, please report it as a bug with the command line that caused it: ${terminalSafe(message.split('\n')[0] ?? '')}`;
	if (debug && error instanceof Error && error.stack) {
		return `${line}\n${error.stack.split('\n').slice(1).map(frame => terminalSafe(frame)).join('\n')}\n`;
	}

	return `${line} (KMODX_DEBUG=1 shows where)\n`;
}
