import {Decompress, decompress as fzstdDecompress} from 'fzstd';
import {InputError} from '../common/input-error.js';
import {u32} from './bytes.js';
import {type DecoderOptions, mebibyte, OutputBuffer, sizeExceeded} from './limits.js';
import {xxh64Low32} from './xxhash.js';

type Frame = {
	start: number;
	end: number;
	contentSize: number | undefined;
	windowSize: number;
	/** Most bytes the frame can decode to (raw and RLE blocks exact, compressed ones at most a block). */
	upperBound: number;
	/** Bytes the raw and RLE blocks alone produce. */
	lowerBound: number;
	checksum: number | undefined;
};

// Zstd's own decoder refuses larger windows without --memory; fzstd would allocate them.
const maxWindow = 128 * mebibyte;
const maxBlock = 128 * 1024;
const frameMagic = 0xFD_2F_B5_28;

const truncated = (file: string) => new InputError(file, 'zstd data is truncated');
const corrupt = (file: string, why: string) => new InputError(file, `zstd data is corrupt (${why})`);

/**
Walk the frames and block headers without decoding: this finds where each frame ends, its
checksum, and a bound on its output, so the size cap holds before fzstd allocates anything.
Returns the frames and the offset where zstd data stops.
*/
function walkFrames(data: Uint8Array, file: string, allowTrailing: boolean): Frame[] {
	const frames: Frame[] = [];
	let offset = 0;
	while (offset < data.length) {
		if (offset + 4 > data.length) {
			if (allowTrailing && frames.length > 0) {
				break;
			}

			throw truncated(file);
		}

		const magic = u32(data, offset);
		if ((magic & 0xFF_FF_FF_F0) >>> 0 === 0x18_4D_2A_50) { // Skippable frame
			if (offset + 8 > data.length) {
				throw truncated(file);
			}

			offset += 8 + u32(data, offset + 4);
			if (offset > data.length) {
				throw truncated(file);
			}

			continue;
		}

		if (magic !== frameMagic) {
			if (allowTrailing && frames.length > 0) {
				break;
			}

			throw frames.length === 0 ? corrupt(file, 'bad magic') : new InputError(file, `zstd data is followed by ${data.length - offset} bytes of garbage`);
		}

		const frame = readFrame(data, offset, file);
		frames.push(frame);
		offset = frame.end;
	}

	if (frames.length === 0) {
		throw corrupt(file, 'no frame');
	}

	return frames;
}

/** A frame from its magic number on (RFC 8878, 3.1.1): its header, its blocks, its checksum. */
function readFrame(data: Uint8Array, start: number, file: string): Frame {
	const {windowSize, contentSize, hasChecksum, end: headerEnd} = readFrameHeader(data, start, file);
	const {upperBound, lowerBound, end: blocksEnd} = walkBlocks(data, headerEnd, windowSize, file);
	let end = blocksEnd;
	let checksum: number | undefined;
	if (hasChecksum) {
		if (end + 4 > data.length) {
			throw truncated(file);
		}

		checksum = u32(data, end);
		end += 4;
	}

	if (contentSize !== undefined && contentSize > upperBound) {
		throw corrupt(file, 'content size larger than its blocks can hold');
	}

	return {start, end, contentSize, windowSize, upperBound, lowerBound, checksum};
}

/**
The frame header after the magic (RFC 8878, 3.1.1.1): the descriptor byte, then the window
descriptor, dictionary id and frame content size, each present or as long as the descriptor says.
*/
function readFrameHeader(data: Uint8Array, start: number, file: string): {windowSize: number; contentSize: number | undefined; hasChecksum: boolean; end: number} {
	const descriptor = data[start + 4];
	if (descriptor === undefined) {
		throw truncated(file);
	}

	if (descriptor & 0x08) {
		throw corrupt(file, 'reserved frame header bit set');
	}

	const singleSegment = (descriptor >> 5) & 1;
	const contentSizeBytes = [singleSegment, 2, 4, 8][descriptor >> 6]!;
	const dictionaryBytes = [0, 1, 2, 4][descriptor & 3]!;
	let offset = start + 5;
	let windowSize = 0;
	if (!singleSegment) {
		const windowDescriptor = data[offset++] ?? 0;
		const base = 2 ** (10 + (windowDescriptor >> 3));
		windowSize = base + ((base / 8) * (windowDescriptor & 7));
	}

	if (offset + dictionaryBytes + contentSizeBytes > data.length) {
		throw truncated(file);
	}

	for (let index = 0; index < dictionaryBytes; index++) {
		if (data[offset + index] !== 0) {
			throw new InputError(file, 'zstd data needs a dictionary, which is not supported');
		}
	}

	offset += dictionaryBytes;
	let contentSize: number | undefined;
	if (contentSizeBytes > 0) {
		contentSize = 0;
		for (let index = contentSizeBytes - 1; index >= 0; index--) {
			contentSize = (contentSize * 256) + data[offset + index]!;
		}

		if (contentSizeBytes === 2) {
			contentSize += 256;
		}

		offset += contentSizeBytes;
	}

	// A single-segment frame's window is its whole content.
	return {windowSize: singleSegment ? contentSize! : windowSize, contentSize, hasChecksum: (descriptor & 0x04) !== 0, end: offset};
}

/**
The blocks of a frame, by their 3-byte headers (RFC 8878, 3.1.1.2), up to the last one: where
they end and what they can decode to. Raw and RLE blocks say their output size exactly; a
compressed block makes at most a block (or window) of output.
*/
function walkBlocks(data: Uint8Array, start: number, windowSize: number, file: string): {upperBound: number; lowerBound: number; end: number} {
	let offset = start;
	let upperBound = 0;
	let lowerBound = 0;
	for (;;) {
		if (offset + 3 > data.length) {
			throw truncated(file);
		}

		const header = data[offset]! | (data[offset + 1]! << 8) | (data[offset + 2]! << 16);
		const type = (header >> 1) & 3;
		const size = header >>> 3;
		offset += 3;
		if (type === 3) {
			throw corrupt(file, 'reserved block type');
		}

		if (size > maxBlock) {
			throw corrupt(file, 'block too large');
		}

		offset += type === 1 ? 1 : size;
		upperBound += type === 2 ? Math.min(maxBlock, windowSize) : size;
		lowerBound += type === 2 ? 0 : size;
		if (offset > data.length) {
			throw truncated(file);
		}

		if (header & 1) {
			return {upperBound, lowerBound, end: offset};
		}
	}
}

function decodeFrame(data: Uint8Array, frame: Frame, options: DecoderOptions, room: number, file: string): Uint8Array {
	const input = data.subarray(frame.start, frame.end);
	if (frame.lowerBound > room) {
		throw sizeExceeded(file, options.maxSize);
	}

	if (frame.contentSize !== undefined) {
		if (frame.contentSize > room) {
			throw sizeExceeded(file, options.maxSize);
		}

		// The frame states its size: fzstd decodes straight into an exact buffer.
		const output = fzstdDecompress(input);
		if (output.length !== frame.contentSize) {
			throw new InputError(file, 'zstd data is corrupt (wrong decoded size)');
		}

		return output;
	}

	if (options.expectedSize !== undefined && frame.checksum !== undefined) {
		// The kernel pipes into zstd, so no size in the frame, but it appends one; the
		// checksum then also proves the size was right.
		if (options.expectedSize > room) {
			throw sizeExceeded(file, options.maxSize);
		}

		return fzstdDecompress(input, new Uint8Array(options.expectedSize));
	}

	// Size unknown: stream, counting, so the cap holds before memory grows.
	if (frame.windowSize > maxWindow) {
		throw new InputError(file, `zstd window of ${frame.windowSize / mebibyte} MiB is larger than the supported 128 MiB`);
	}

	const output = new OutputBuffer(file, Math.min(room, options.maxSize), Math.min(frame.upperBound, room));
	const stream = new Decompress(chunk => {
		output.append(chunk);
	});
	stream.push(input, true);
	return output.result();
}

export function unzstd(data: Uint8Array, file: string, options: DecoderOptions): Uint8Array {
	const frames = walkFrames(data, file, options.allowTrailing ?? false);
	if (frames.length > 1) {
		const {expectedSize: _, ...rest} = options;
		options = rest;
	}

	const outputs: Uint8Array[] = [];
	let total = 0;
	for (const frame of frames) {
		let output: Uint8Array;
		try {
			output = decodeFrame(data, frame, options, options.maxSize - total, file);
		} catch (error) {
			if (error instanceof InputError) {
				throw error;
			}

			throw new InputError(file, `zstd data is corrupt (${(error as Error).message})`);
		}

		if (frame.checksum !== undefined && xxh64Low32(output) !== frame.checksum) {
			throw new InputError(file, 'zstd data is corrupt (checksum mismatch)');
		}

		outputs.push(output);
		total += output.length;
	}

	if (outputs.length === 1) {
		return outputs[0]!;
	}

	const result = new Uint8Array(total);
	let offset = 0;
	for (const output of outputs) {
		result.set(output, offset);
		offset += output.length;
	}

	return result;
}
