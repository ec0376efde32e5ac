import {spawn} from 'node:child_process';
import {createReadStream} from 'node:fs';
import {open} from 'node:fs/promises';
import {Readable} from 'node:stream';
import zlib from 'node:zlib';
import {describeFsError} from '../common/fs-errors.js';
import {findExecutable} from '../common/find-executable.js';
import {InputError} from '../common/input-error.js';
import {detectCompression} from '../compression/detect.js';

export type ArchiveCompression = 'none' | 'gzip' | 'xz' | 'zstd' | 'bzip2';

/** How a tarball is compressed, by its first bytes. */
export async function archiveCompression(file: string): Promise<ArchiveCompression> {
	let handle;
	try {
		handle = await open(file, 'r');
		const head = Buffer.alloc(16);
		const {bytesRead} = await handle.read(head, 0, head.length, 0);
		const compression = detectCompression(head.subarray(0, bytesRead));
		if (compression === undefined) {
			return 'none';
		}

		if (compression === 'gzip' || compression === 'xz' || compression === 'zstd' || compression === 'bzip2') {
			return compression;
		}

		throw new InputError(file, `a ${compression}-compressed file: kernel source tarballs are read as .tar, .tar.gz, .tar.xz, .tar.zst or .tar.bz2`);
	} catch (error) {
		throw error instanceof InputError ? error : new InputError(file, describeFsError(error));
	} finally {
		await handle?.close();
	}
}

/**
The uncompressed bytes of a tarball, in order. The system's decompressor is used where there is
one (xz and zstd decode several times faster, xz -T0 on every core); otherwise the bundled
decoders. Stopping the iteration early stops the decompressor.
*/
export async function * decompressedChunks(file: string, compression: ArchiveCompression): AsyncGenerator<Buffer> {
	switch (compression) {
		case 'none': {
			yield * readable(createReadStream(file, {highWaterMark: 1024 * 1024}), file, 'read');
			return;
		}

		case 'gzip': {
			yield * readable(createReadStream(file, {highWaterMark: 1024 * 1024}).pipe(zlib.createGunzip({chunkSize: 256 * 1024})), file, 'gzip');
			return;
		}

		case 'xz':
		case 'zstd':
		case 'bzip2': {
			const tool = findExecutable(compression);
			if (tool) {
				yield * childOutput(tool, compression === 'xz' ? ['-dc', '-T0', '--', file] : ['-dc', '--', file], file);
				return;
			}

			if (compression === 'xz') {
				yield * wasmXz(file);
				return;
			}

			if (compression === 'zstd') {
				yield * jsZstd(file);
				return;
			}

			throw new InputError(file, 'reading a .tar.bz2 needs bzip2 (Debian/Ubuntu: apt-get install bzip2)');
		}
	}
}

async function * readable(stream: Readable, file: string, what: string): AsyncGenerator<Buffer> {
	try {
		for await (const chunk of stream) {
			yield chunk as Buffer;
		}
	} catch (error) {
		throw new InputError(file, (error as NodeJS.ErrnoException).code?.startsWith('Z_') ? `${what}: data is corrupt (${(error as Error).message})` : describeFsError(error));
	} finally {
		stream.destroy();
	}
}

async function * childOutput(tool: string, args: string[], file: string): AsyncGenerator<Buffer> {
	const child = spawn(tool, args, {stdio: ['ignore', 'pipe', 'pipe'], env: {...process.env, LC_ALL: 'C'}});
	let errorText = '';
	child.stderr.on('data', (chunk: Buffer) => {
		errorText = (errorText + chunk.toString('utf8')).slice(-2000);
	});
	const exited = new Promise<number | null>(resolve => {
		child.on('close', code => {
			resolve(code);
		});
		child.on('error', () => {
			resolve(-1);
		});
	});
	let complete = false;
	try {
		for await (const chunk of child.stdout) {
			yield chunk as Buffer;
		}

		complete = true;
	} finally {
		if (!complete) {
			child.kill('SIGKILL');
		}
	}

	const code = await exited;
	if (code !== 0) {
		const why = errorText.trim().split('\n').at(-1)?.replace(/^[^:]*:\s*/, '') || `exit status ${code}`;
		throw new InputError(file, `${tool.split('/').at(-1)!} could not decompress it: ${why}`);
	}
}

async function * wasmXz(file: string): AsyncGenerator<Buffer> {
	const {default: pkg} = await import('xz-decompress');
	const source = Readable.toWeb(createReadStream(file, {highWaterMark: 1024 * 1024})) as ReadableStream<Uint8Array>;
	const reader = new pkg.XzReadableStream(source).getReader();
	let complete = false;
	try {
		for (;;) {
			// eslint-disable-next-line no-await-in-loop
			const {done, value} = await reader.read();
			if (done) {
				break;
			}

			yield Buffer.from(value.buffer, value.byteOffset, value.byteLength);
		}

		complete = true;
	} catch (error) {
		throw new InputError(file, `xz data is corrupt (${(error as Error).message})`);
	} finally {
		if (!complete) {
			await reader.cancel().catch(() => undefined);
		}
	}
}

async function * jsZstd(file: string): AsyncGenerator<Buffer> {
	const {Decompress} = await import('fzstd');
	const out: Buffer[] = [];
	const decoder = new Decompress(chunk => {
		out.push(Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength));
	});
	const stream = createReadStream(file, {highWaterMark: 1024 * 1024});
	try {
		for await (const chunk of stream) {
			try {
				decoder.push(chunk as Buffer);
			} catch (error) {
				throw new InputError(file, `zstd data is corrupt (${(error as Error).message})`);
			}

			yield * out.splice(0);
		}

		decoder.push(new Uint8Array(0), true);
		yield * out.splice(0);
	} catch (error) {
		throw error instanceof InputError ? error : new InputError(file, describeFsError(error));
	} finally {
		stream.destroy();
	}
}

/**
One xz block, made a stream of its own (singleBlockStream), decoded: by the system's xz when
there is one (about twice as fast), else by the bundled decoder. `size` is what the index says
it holds; anything else is corrupt data. With `needed`, the system's xz stops once that many bytes
are out (the files wanted may sit early in a 24 MiB block); the block's check is then not read.
*/
export async function decodeXzBlock(stream: Uint8Array, size: number, file: string, needed = size): Promise<Uint8Array> {
	const tool = findExecutable('xz');
	if (!tool) {
		const {decodeXzStream} = await import('../compression/xz.js');
		return decodeXzStream(stream, size, file);
	}

	const output = Buffer.allocUnsafe(size);
	let length = 0;
	const child = spawn(tool, ['-dc'], {stdio: ['pipe', 'pipe', 'pipe'], env: {...process.env, LC_ALL: 'C'}});
	let errorText = '';
	child.stderr.on('data', (chunk: Buffer) => {
		errorText = (errorText + chunk.toString('utf8')).slice(-2000);
	});
	child.stdin.on('error', () => undefined); // Xz exiting early is reported by its status below.
	child.stdin.end(stream);
	const exited = new Promise<number | null>(resolve => {
		child.on('close', resolve);
		child.on('error', () => {
			resolve(-1);
		});
	});
	for await (const chunk of child.stdout) {
		const bytes = chunk as Buffer;
		if (length + bytes.length > size) {
			child.kill('SIGKILL');
			throw new InputError(file, 'xz data is corrupt (a block holds more than its index says)');
		}

		bytes.copy(output, length);
		length += bytes.length;
		if (length >= needed && needed < size) {
			// Leaving the loop destroys the pipe; the process is killed, not waited for.
			child.kill('SIGKILL');
			return output.subarray(0, length);
		}
	}

	const code = await exited;
	if (code !== 0 || length !== size) {
		throw new InputError(file, `xz data is corrupt (${code === 0 ? 'a block holds less than its index says' : errorText.trim().split('\n').at(-1)?.replace(/^[^:]*:\s*/, '') ?? `xz exit ${code}`})`);
	}

	return output;
}
