/**
An error caused by the user's input (a file, a flag). The CLI prints it as one line,
`kmodx: <file>: <message>`, and exits with 2. Anything else is a bug and keeps its stack.
*/
export class InputError extends Error {
	override readonly name = 'InputError';

	constructor(readonly file: string | undefined, readonly problem: string) {
		super(file ? `${file}: ${problem}` : problem);
	}
}

export function isInputError(error: unknown): error is InputError {
	return error instanceof InputError;
}
