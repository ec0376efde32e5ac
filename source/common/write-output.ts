import {randomBytes} from 'node:crypto';
import {closeSync, existsSync, linkSync, lstatSync, openSync, renameSync, statSync, unlinkSync, writeSync, type Stats} from 'node:fs';
import path from 'node:path';
import {onExit} from './exit-cleanup.js';
import {InputError} from './input-error.js';

function kindOf(stats: Stats): string {
	return stats.isFIFO() ? 'a FIFO' : stats.isCharacterDevice() ? 'a character device' : stats.isBlockDevice() ? 'a block device' : stats.isSocket() ? 'a socket' : stats.isDirectory() ? 'a directory' : 'not a regular file';
}

/**
What is at `file` before a report goes there: nothing, or (with --force) a regular file, or a
symbolic link (replaced itself, never written through) to a regular file or to nothing. A FIFO,
a device, a socket or a directory is refused: `-o /dev/null --force` as root must not replace
the system's /dev/null with a regular file.
*/
function checkTarget(file: string, force: boolean): void {
	let stats: Stats;
	try {
		stats = lstatSync(file);
	} catch {
		return; // Nothing there (or nothing we can see: the write says why).
	}

	if (!force) {
		throw new InputError(file, 'already exists (use --force to overwrite)');
	}

	if (stats.isSymbolicLink()) {
		try {
			stats = statSync(file);
		} catch {
			return; // A dangling link: the link itself is replaced.
		}

		if (!stats.isFile()) {
			throw new InputError(file, `is a symbolic link to ${kindOf(stats)}: -o --force replaces only regular files`);
		}

		return;
	}

	if (!stats.isFile()) {
		throw new InputError(file, `is ${kindOf(stats)}: -o --force replaces only regular files`);
	}
}

/** `-o ''` names no file: an error, not the report on stdout. */
function refuseEmpty(file: string): void {
	if (file === '') {
		throw new InputError(undefined, '-o needs a file name (-o PATH)');
	}
}

/** A temporary name beside `file` that no other run holds: the pid alone repeats across PID namespaces and reboots. */
function temporaryFor(directory: string, file: string): string {
	return path.join(directory, `.${path.basename(file)}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`);
}

/**
Writes a report atomically (temp file in the same directory, then link or rename), and never
replaces an existing file unless asked: a report must not clobber something the user kept.
*/
export function writeOutput(file: string, content: string, {force}: {force: boolean}): void {
	const output = new OutputFile(file, force);
	try {
		output.write(content);
		output.commit();
	} catch (error) {
		output.abort();
		throw error;
	}
}

/**
A report file written as it is made: into a temporary file beside `file`, linked or renamed into
place by `commit()`, so it is all or nothing, and never over an existing file without --force.
Only files: stdout is the CLI's (cli/output.ts).
*/
export class OutputFile {
	private fd: number | undefined;
	private temporary: string | undefined;
	private forget: (() => void) | undefined;

	constructor(private readonly file: string, private readonly force: boolean) {
		refuseEmpty(file);

		const directory = path.dirname(path.resolve(file));
		if (!existsSync(directory)) {
			throw new InputError(file, 'directory does not exist');
		}

		checkTarget(file, force);
		const temporary = temporaryFor(directory, file);
		try {
			this.fd = openSync(temporary, 'wx');
			this.temporary = temporary;
		} catch (error) {
			throw new InputError(file, `cannot write: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`);
		}

		this.forget = onExit(() => {
			this.abort();
		});
	}

	write(text: string): void {
		try {
			writeSync(this.fd!, text);
		} catch (error) {
			throw new InputError(this.file, `cannot write: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`);
		}
	}

	/** The report is complete: it takes its name. */
	commit(): void {
		const file = this.file;
		const temporary = this.temporary!;
		try {
			closeSync(this.fd!);
			this.fd = undefined;
			if (this.force) {
				checkTarget(file, true);
				renameSync(temporary, file);
			} else {
				linkSync(temporary, file);
				unlinkSync(temporary);
			}
		} catch (error) {
			this.abort();
			if (error instanceof InputError) {
				throw error;
			}

			const code = (error as NodeJS.ErrnoException).code;
			throw new InputError(file, code === 'EEXIST' ? 'already exists (use --force to overwrite)' : `cannot write: ${code ?? (error as Error).message}`);
		}

		this.forget?.();
	}

	/** Nothing is written after all (bad input found on the way): the temporary file goes. */
	abort(): void {
		if (this.fd !== undefined) {
			try {
				closeSync(this.fd);
			} catch {}

			this.fd = undefined;
		}

		if (this.temporary) {
			try {
				unlinkSync(this.temporary);
			} catch {}
		}

		this.forget?.();
		this.forget = undefined;
	}
}
