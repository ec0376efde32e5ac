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

/**
Input kmodx refuses to act on because acting would hand text of it to make or the shell (a
source tree's Makefile line that runs a command, a path that leaves the tree). An input the
user named is refused with it (exit 2) even where a damaged one would only be skipped.
*/
export class UnsafeInputError extends InputError {}

export function isInputError(error: unknown): error is InputError {
	return error instanceof InputError;
}

/** A parser bug on hostile input must still end as a one-line error naming the file. */
export async function guarded<T>(file: string, work: () => Promise<T>): Promise<T> {
	try {
		return await work();
	} catch (error) {
		if (isInputError(error)) {
			throw error;
		}

		if (process.env['KMODX_DEBUG']) {
			throw error;
		}

		throw new InputError(file, `cannot read: ${(error as Error).message ?? String(error)}`);
	}
}
