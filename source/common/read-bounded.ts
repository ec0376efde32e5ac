import {open} from 'node:fs/promises';
import {describeFsError} from './fs-errors.js';
import {InputError} from './input-error.js';

const mebibyte = 1024 * 1024;

/**
Read a whole input file, refusing anything larger than `limit` bytes before it fills memory:
a regular file by its size, a pipe or device (`-k <(zcat …)`, `/dev/zero` by mistake) while it
is read. `what` names the expected kind of file in the error.
*/
export async function readBounded(file: string, limit: number, what: string): Promise<Uint8Array> {
	const tooLarge = () => new InputError(file, `larger than ${limit / mebibyte} MiB: not ${what} (limit)`);
	let handle;
	try {
		handle = await open(file, 'r');
	} catch (error) {
		throw new InputError(file, describeFsError(error));
	}

	try {
		const stats = await handle.stat();
		if (stats.isDirectory()) {
			throw new InputError(file, 'is a directory');
		}

		if (stats.size > limit) {
			throw tooLarge();
		}

		if (stats.isFile() && stats.size > 0) {
			return await handle.readFile();
		}

		// Pipes, devices and /proc files have no size up front: read in chunks up to the limit.
		const chunks: Uint8Array[] = [];
		let total = 0;
		for (;;) {
			const chunk = new Uint8Array(Math.min(mebibyte, limit + 1 - total));
			// eslint-disable-next-line no-await-in-loop
			const {bytesRead} = await handle.read(chunk, 0, chunk.length, null);
			if (bytesRead === 0) {
				break;
			}

			chunks.push(chunk.subarray(0, bytesRead));
			total += bytesRead;
			if (total > limit) {
				throw tooLarge();
			}
		}

		return Buffer.concat(chunks, total);
	} catch (error) {
		if (error instanceof InputError) {
			throw error;
		}

		throw new InputError(file, describeFsError(error));
	} finally {
		await handle.close();
	}
}
