import {InputError} from '../common/input-error.js';
import {type Compression, detectCompression} from './detect.js';
import {gunzip} from './gzip.js';
import {type DecoderOptions, defaultMaxSize} from './limits.js';

export type {Compression} from './detect.js';

export type DecompressOptions = {
	/** Largest decompressed size accepted, in bytes; default 512 MiB. */
	maxSize?: number;
};

/**
Decode `data` as `compression`; the internal entry point that also takes size hints. The result
owns its ArrayBuffer (zlib may hand back a view into a shared pool), so callers may use
`result.buffer` directly.
*/
export async function decodeAs(compression: Compression, data: Uint8Array, file: string, options: DecoderOptions): Promise<Uint8Array> {
	const result = await decodeRaw(compression, data, file, options);
	return result.byteOffset === 0 && result.byteLength === result.buffer.byteLength ? result : result.slice();
}

async function decodeRaw(compression: Compression, data: Uint8Array, file: string, options: DecoderOptions): Promise<Uint8Array> {
	switch (compression) {
		case 'gzip': {
			return gunzip(data, file, options);
		}

		// The other decoders (xz brings WebAssembly and web streams) load only when a file needs them.
		case 'xz': {
			const {unxz} = await import('./xz.js');
			return unxz(data, file, options);
		}

		case 'zstd': {
			const {unzstd} = await import('./zstd.js');
			return unzstd(data, file, options);
		}

		case 'lz4': {
			const {unlz4} = await import('./lz4.js');
			return unlz4(data, file, options);
		}

		default: {
			// Bzip2, legacy lzma and lzo: no decoder that is both exact and cheap to carry; rare for kernels and modules.
			throw new InputError(file, `${compression} compression is not supported`);
		}
	}
}

export function decoderOptions(options: DecompressOptions | undefined): DecoderOptions {
	const maxSize = options?.maxSize ?? defaultMaxSize;
	if (!Number.isSafeInteger(maxSize) || maxSize < 0) {
		throw new RangeError(`maxSize must be a non-negative integer, got ${maxSize}`);
	}

	return {maxSize};
}

/** Decompress `data`, whose format is recognized by its magic bytes; `file` names it in errors. */
export async function decompress(data: Uint8Array, file: string, options?: DecompressOptions): Promise<Uint8Array> {
	const compression = detectCompression(data);
	if (!compression) {
		throw new InputError(file, 'is not compressed data (no known magic bytes)');
	}

	return decodeAs(compression, data, file, decoderOptions(options));
}

/** Decompress `data` if it starts with a known magic, else hand it back unchanged. */
export async function maybeDecompress(data: Uint8Array, file: string, options?: DecompressOptions): Promise<{data: Uint8Array; compression: Compression | undefined}> {
	const compression = detectCompression(data);
	if (!compression) {
		return {data, compression: undefined};
	}

	return {data: await decodeAs(compression, data, file, decoderOptions(options)), compression};
}
