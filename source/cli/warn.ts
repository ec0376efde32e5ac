import {terminalSafe} from '../common/terminal-text.js';

/** A warning on stderr: one line (erasing a progress line a terminal may show); the run goes on. */
export function warnLine(message: string): void {
	process.stderr.write(`${process.stderr.isTTY ? '\r\u001B[2K' : ''}kmodx: warning: ${terminalSafe(message)}\n`);
}

/** What findModules reports for a directory it did not search. */
export const scanOptions = {
	onSkipped(directory: string, reason: string) {
		warnLine(`${directory}: ${reason}`);
	},
};
