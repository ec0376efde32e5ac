import {readFileSync} from 'node:fs';
import type {ExecutionContext} from 'ava';
import {InputError} from '../../source/common/input-error.js';
import {fixture} from '../helpers/paths.js';

export const original = readFileSync(fixture('modules/6.1.0-47-amd64/nls_utf8.ko'));
export const originalUas = readFileSync(fixture('modules/6.1.0-47-amd64/uas.ko'));
export const compressed = (name: string) => readFileSync(fixture('compression', name));

/** Assert an InputError naming `file` on one line, optionally containing `text`. */
export async function rejectsInput(t: ExecutionContext, promise: Promise<unknown>, file: string, text?: string): Promise<InputError> {
	const error = await t.throwsAsync(promise);
	t.true(error instanceof InputError, `expected InputError, got ${String(error)}`);
	t.true(error!.message.includes(file), `message should name the file: ${error!.message}`);
	t.false(error!.message.includes('\n'), `message should be one line: ${error!.message}`);
	if (text) {
		t.true(error!.message.includes(text), `expected "${text}" in: ${error!.message}`);
	}

	return error as InputError;
}

export function sameBytes(t: ExecutionContext, actual: Uint8Array, expected: Uint8Array): void {
	t.is(actual.length, expected.length);
	t.true(Buffer.from(actual.buffer, actual.byteOffset, actual.byteLength).equals(expected), 'bytes differ');
}
