import {exitStatus, internalErrorText} from '../common/exit-status.js';
import {InputError, isInputError} from '../common/input-error.js';
import {terminalSafe} from '../common/terminal-text.js';

/** Bad input is one line on stderr and status 2; anything else is a bug: one line too (the stack with KMODX_DEBUG=1), status 70. */
export function statusForError(error: unknown): number {
	if (isInputError(error)) {
		// The message quotes input (paths, names): controls in it are shown, never sent to the terminal.
		process.stderr.write(`kmodx: ${terminalSafe(error.message)}\n`);
		return exitStatus.badInput;
	}

	// A report too big to make (a string past V8's longest, arguments past the stack) is the
	// input's size, not a bug: one line and status 2, never a stack trace and status 1.
	if (error instanceof RangeError && tooLarge.test(error.message)) {
		process.stderr.write(`kmodx: the input is too large to report on (${error.message})\n`);
		return exitStatus.badInput;
	}

	process.stderr.write(internalErrorText(error));
	return exitStatus.internalError;
}

/**
An exception no command caught (an event handler's, a stream's) is a bug too: status 70 rather
than Node's 1, which would read as "does not load". The explorer puts its own handlers first.
*/
export function exitOnCrash(): void {
	const crash = (error: unknown) => {
		process.exitCode = statusForError(error);
		process.exit();
	};

	process.on('uncaughtException', crash);
	process.on('unhandledRejection', crash);
}

const tooLarge = /^(Invalid string length|Maximum call stack size exceeded|Invalid array length|Array buffer allocation failed)/;

/**
`kmodx … | head` closes the pipe early: that is the reader's choice, not an error. Any other
failure to write the report (a full disk, a vanished terminal) is the environment's, not a bug:
one line, status 2.
*/
export function exitQuietlyOnClosedPipe(): void {
	process.stdout.on('error', (error: NodeJS.ErrnoException) => {
		if (error.code === 'EPIPE') {
			process.exit(process.exitCode ?? 0);
		}

		process.exitCode = statusForError(new InputError('standard output', `cannot write the report: ${error.code ?? error.message}`));
		process.exit();
	});
}
