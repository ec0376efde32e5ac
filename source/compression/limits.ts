import {InputError} from '../common/input-error.js';

export const mebibyte = 1024 * 1024;
export const defaultMaxSize = 512 * mebibyte;

/** Options every decoder gets: the output cap and, when known, the exact expected size. */
export type DecoderOptions = {
	maxSize: number;
	/** Exact decompressed size when the container says it (the kernel's size trailer). */
	expectedSize?: number;
	/** Data after the end of the compressed stream is tolerated (scanning inside a vmlinuz). */
	allowTrailing?: boolean;
};

function formatLimit(maxSize: number): string {
	return maxSize % mebibyte === 0 ? `${maxSize / mebibyte} MiB` : `${(maxSize / mebibyte).toFixed(3)} MiB (${maxSize} bytes)`;
}

export function sizeExceeded(file: string, maxSize: number): InputError {
	return new InputError(file, `decompressed size exceeds ${formatLimit(maxSize)} (limit)`);
}

/** A growable output buffer that refuses to grow past the cap. */
export class OutputBuffer {
	length = 0;
	private buffer: Uint8Array;

	constructor(private readonly file: string, private readonly maxSize: number, initialSize = 64 * 1024) {
		this.buffer = new Uint8Array(Math.max(16, Math.min(initialSize, maxSize)));
	}

	room(): number {
		return this.maxSize - this.length;
	}

	exceeded(): InputError {
		return sizeExceeded(this.file, this.maxSize);
	}

	/** Make room for `extra` more bytes and return the backing buffer (valid until the next call). */
	reserve(extra: number): Uint8Array {
		const needed = this.length + extra;
		if (needed > this.maxSize) {
			throw sizeExceeded(this.file, this.maxSize);
		}

		if (needed > this.buffer.length) {
			const grown = new Uint8Array(Math.min(this.maxSize, Math.max(needed, this.buffer.length * 2)));
			grown.set(this.buffer.subarray(0, this.length));
			this.buffer = grown;
		}

		return this.buffer;
	}

	append(chunk: Uint8Array): void {
		this.reserve(chunk.length).set(chunk, this.length);
		this.length += chunk.length;
	}

	/** The bytes from `start` written so far (valid until the next call). */
	view(start = 0): Uint8Array {
		return this.buffer.subarray(start, this.length);
	}

	result(): Uint8Array {
		return this.buffer.length === this.length ? this.buffer : this.buffer.slice(0, this.length);
	}
}
