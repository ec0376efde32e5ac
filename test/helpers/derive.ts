import {mkdtempSync, writeFileSync, mkdirSync} from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {gunzipSync} from 'node:zlib';
import {readFileSync} from 'node:fs';

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

export function temporaryDirectory(): string {
	return mkdtempSync(path.join(os.tmpdir(), 'kmodx-test-'));
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
