import {mkdtempSync, writeFileSync, mkdirSync, readFileSync, rmSync} from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {gunzipSync} from 'node:zlib';

/** Edge cases are derived from real files: same bytes with one well-understood change. */
export function replaceOnce(data: Uint8Array, from: string, to: string): Buffer {
	if (from.length !== to.length) {
		throw new Error('replaceOnce keeps the length so every offset stays valid');
	}

	const buffer = Buffer.from(data);
	const at = buffer.indexOf(from, 0, 'latin1');
	if (at === -1) {
		throw new Error(`'${from}' not found`);
	}

	buffer.write(to, at, 'latin1');
	return buffer;
}

/** Whoever removes a temporary directory once done with it: an AVA test's `t`, or `atExit`. */
export type Owner = {teardown: (remove: () => void) => void};

const atExitRemovals: Array<() => void> = [];

/** For scripts outside AVA (bench/): removed when the process exits. */
export const atExit: Owner = {
	teardown(remove) {
		if (atExitRemovals.push(remove) === 1) {
			process.once('exit', () => {
				for (const each of atExitRemovals) each();
			});
		}
	},
};

/**
A new directory under the system temporary directory, removed with everything in it when its
owner is done: pass the test's `t` (removed when the test ends, passed or failed). Whatever the
code under test writes there (reports, exports, caches) goes with it.
*/
export function temporaryDirectory(owner: Owner, prefix = 'test'): string {
	const directory = mkdtempSync(path.join(os.tmpdir(), `kmodx-${prefix}-`));
	owner.teardown(() => {
		rmSync(directory, {recursive: true, force: true, maxRetries: 3});
	});
	return directory;
}

export function writeTemporary(directory: string, name: string, data: Uint8Array | string): string {
	const file = path.join(directory, name);
	mkdirSync(path.dirname(file), {recursive: true});
	writeFileSync(file, data);
	return file;
}

export function readGzipText(file: string): string {
	return gunzipSync(readFileSync(file)).toString('latin1');
}
