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
	// The sink's file mode: a temporary file beside it, linked or renamed into place.
	const sink = new ReportSink(file, force, 0);
	try {
		sink.write(content);
		sink.commit();
	} catch (error) {
		sink.abort();
		throw error;
	}
}

/**
A report written as it is made, to `file` (a temporary file beside it, linked or renamed into
place by `commit()`: still all or nothing, and never over an existing file without --force) or
to stdout (held back up to `holdBack` characters, so that bad input found early leaves nothing
written; then streamed). Either way the report never has to fit in memory: thousands of modules
as JSON are 100+ MB.
*/
export class ReportSink {
	private readonly chunks: string[] = [];
	private held = 0;
	private streaming = false;
	private fd: number | undefined;
	private temporary: string | undefined;
	private forget: (() => void) | undefined;

	constructor(private readonly file: string | undefined, private readonly force: boolean, private readonly holdBack: number) {
		if (file === undefined) {
			return;
		}

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
		if (this.fd !== undefined) {
			try {
				writeSync(this.fd, text);
			} catch (error) {
				throw new InputError(this.file!, `cannot write: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`);
			}

			return;
		}

		if (this.streaming) {
			process.stdout.write(text);
			return;
		}

		this.chunks.push(text);
		this.held += text.length;
		if (this.held > this.holdBack) {
			this.streaming = true;
			process.stdout.write(this.chunks.join(''));
			this.chunks.length = 0;
		}
	}

	/** A promise while stdout (a pipe slower than the report) has more than a mebibyte queued: wait before making more. */
	pace(): Promise<void> | undefined {
		if (!this.streaming || process.stdout.writableLength < 1024 * 1024) {
			return undefined;
		}

		return new Promise(resolve => {
			process.stdout.once('drain', resolve);
		});
	}

	/** The report is complete: into its file, or the rest of it to stdout. */
	commit(): void {
		if (this.fd === undefined) {
			if (!this.streaming) {
				process.stdout.write(this.chunks.join(''));
			}

			return;
		}

		const file = this.file!;
		const temporary = this.temporary!;
		try {
			closeSync(this.fd);
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
