import {isInputError} from '../common/input-error.js';
import {terminalSafe} from '../common/terminal-text.js';

/** Bad input is one line on stderr and status 2; anything else is a bug and keeps its stack. */
export function statusForError(error: unknown): number {
	if (isInputError(error)) {
		// The message quotes input (paths, names): controls in it are shown, never sent to the terminal.
		process.stderr.write(`kmodx: ${terminalSafe(error.message)}\n`);
		return 2;
	}

	// A report too big to make (a string past V8's longest, arguments past the stack) is the
	// input's size, not a bug: one line and status 2, never a stack trace and status 1.
	if (error instanceof RangeError && tooLarge.test(error.message)) {
		process.stderr.write(`kmodx: the input is too large to report on (${error.message})\n`);
		return 2;
	}

	throw error;
}

const tooLarge = /^(Invalid string length|Maximum call stack size exceeded|Invalid array length|Array buffer allocation failed)/;

/** `kmodx … | head` closes the pipe early: that is the reader's choice, not an error. */
export function exitQuietlyOnClosedPipe(): void {
	process.stdout.on('error', (error: NodeJS.ErrnoException) => {
		if (error.code === 'EPIPE') {
			process.exit(process.exitCode ?? 0);
		}

		throw error;
	});
}
