import {constants} from 'node:fs';
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
		// Non-blocking: opening a FIFO that no one writes to must not wait forever for a writer.
		handle = await open(file, constants.O_RDONLY | constants.O_NONBLOCK);
	} catch (error) {
		throw new InputError(file, describeFsError(error));
	}

	try {
		const stats = await handle.stat();
		if (stats.isDirectory()) {
			throw new InputError(file, 'is a directory');
		}

		if (stats.isSocket()) {
			throw new InputError(file, 'is a socket, not a file');
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
			const bytesRead = await readSome(handle, chunk);
			if (bytesRead === 0) {
				break;
			}

			chunks.push(chunk.subarray(0, bytesRead));
			total += bytesRead;
			if (total > limit) {
				throw tooLarge();
			}
		}

		if (total === 0 && stats.isFIFO()) {
			throw new InputError(file, 'is a FIFO that nothing writes to: not ' + what);
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

/**
One read of a non-blocking handle: a pipe with a writer but nothing written yet (`-k <(zcat …)`
still starting) says EAGAIN, and is asked again shortly; a FIFO without a writer is at its end.
*/
async function readSome(handle: Awaited<ReturnType<typeof open>>, chunk: Uint8Array): Promise<number> {
	for (;;) {
		try {
			// eslint-disable-next-line no-await-in-loop
			const {bytesRead} = await handle.read(chunk, 0, chunk.length, null);
			return bytesRead;
		} catch (error) {
			if ((error as NodeJS.ErrnoException).code !== 'EAGAIN') {
				throw error;
			}

			// eslint-disable-next-line no-await-in-loop
			await new Promise(resolve => {
				setTimeout(resolve, 5);
			});
		}
	}
}
