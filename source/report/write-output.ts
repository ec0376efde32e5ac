import {closeSync, existsSync, linkSync, openSync, renameSync, unlinkSync, writeFileSync, writeSync} from 'node:fs';
import path from 'node:path';
import {onExit} from '../common/exit-cleanup.js';
import {InputError} from '../common/input-error.js';

/**
Writes a report atomically (temp file in the same directory, then link or rename), and never
replaces an existing file unless asked: a report must not clobber something the user kept.
*/
export function writeOutput(file: string, content: string, {force}: {force: boolean}): void {
	const directory = path.dirname(path.resolve(file));
	if (!existsSync(directory)) {
		throw new InputError(file, 'directory does not exist');
	}

	if (!force && existsSync(file)) {
		throw new InputError(file, 'already exists (use --force to overwrite)');
	}

	const temporary = path.join(directory, `.${path.basename(file)}.${process.pid}.tmp`);
	try {
		writeFileSync(temporary, content, {flag: 'wx'});
		if (force) {
			renameSync(temporary, file);
		} else {
			// link() fails if the target appeared meanwhile: no race with another writer.
			linkSync(temporary, file);
			unlinkSync(temporary);
		}
	} catch (error) {
		try {
			unlinkSync(temporary);
		} catch {}

		const code = (error as NodeJS.ErrnoException).code;
		throw new InputError(file, code === 'EEXIST' ? 'already exists (use --force to overwrite)' : `cannot write: ${code ?? (error as Error).message}`);
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
	private readonly temporary: string | undefined;
	private forget: (() => void) | undefined;

	constructor(private readonly file: string | undefined, private readonly force: boolean, private readonly holdBack: number) {
		if (file === undefined) {
			return;
		}

		const directory = path.dirname(path.resolve(file));
		if (!existsSync(directory)) {
			throw new InputError(file, 'directory does not exist');
		}

		if (!force && existsSync(file)) {
			throw new InputError(file, 'already exists (use --force to overwrite)');
		}

		this.temporary = path.join(directory, `.${path.basename(file)}.${process.pid}.tmp`);
		try {
			this.fd = openSync(this.temporary, 'wx');
		} catch (error) {
			throw new InputError(file, `cannot write: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`);
		}

		this.forget = onExit(() => {
			this.abort();
		});
	}

	write(text: string): void {
		if (this.fd !== undefined) {
			writeSync(this.fd, text);
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
				renameSync(temporary, file);
			} else {
				linkSync(temporary, file);
				unlinkSync(temporary);
			}
		} catch (error) {
			this.abort();
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
