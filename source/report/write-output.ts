import {existsSync, linkSync, renameSync, unlinkSync, writeFileSync} from 'node:fs';
import path from 'node:path';
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
