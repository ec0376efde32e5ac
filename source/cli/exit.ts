import {isInputError} from '../common/input-error.js';

/** Bad input is one line on stderr and status 2; anything else is a bug and keeps its stack. */
export function statusForError(error: unknown): number {
	if (isInputError(error)) {
		process.stderr.write(`kmodx: ${error.message.replaceAll('\n', ' ')}\n`);
		return 2;
	}

	throw error;
}

/** `kmodx … | head` closes the pipe early: that is the reader's choice, not an error. */
export function exitQuietlyOnClosedPipe(): void {
	process.stdout.on('error', (error: NodeJS.ErrnoException) => {
		if (error.code === 'EPIPE') {
			process.exit(process.exitCode ?? 0);
		}

		throw error;
	});
}
