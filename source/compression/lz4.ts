import {InputError} from '../common/input-error.js';
import {u32} from './bytes.js';
import {type DecoderOptions, OutputBuffer} from './limits.js';
import {xxh32} from './xxhash.js';

const legacyMagic = 0x18_4C_21_02;
const frameMagic = 0x18_4D_22_04;
const legacyBlockSize = 8 * 1024 * 1024;

const truncated = (file: string) => new InputError(file, 'lz4 data is truncated');
const corrupt = (file: string, why: string) => new InputError(file, `lz4 data is corrupt (${why})`);

/**
Decode one LZ4 block (https://github.com/lz4/lz4/blob/dev/doc/lz4_Block_format.md) and append
it to `output`; matches may reach back into earlier output (linked frame blocks).
Matches may not reach before `floor`. Returns false for malformed input, so the caller can
name the problem.
*/
function decodeBlock(input: Uint8Array, output: OutputBuffer, maxBlockOutput: number, floor: number): boolean {
	// A byte of input expands to at most 255 (long match lengths), which bounds the reservation.
	const bound = Math.min(maxBlockOutput, (input.length * 255) + 16);
	const room = output.room();
	const buffer = output.reserve(Math.min(bound, room));
	let out = output.length;
	const limit = out + Math.min(bound, room);
	const overflow = () => {
		if (bound > room) {
			throw output.exceeded();
		}

		return false;
	};
	let i = 0;
	while (i < input.length) {
		const token = input[i++]!;
		const literals = readLength(input, i, token >>> 4);
		if (literals < 0) {
			return false;
		}

		i += lengthBytes(literals);
		if (i + literals > input.length) {
			return false;
		}

		if (out + literals > limit) {
			return overflow();
		}

		buffer.set(input.subarray(i, i + literals), out);
		i += literals;
		out += literals;
		if (i === input.length) {
			break; // The last sequence has literals only
		}

		if (i + 2 > input.length) {
			return false;
		}

		const distance = input[i]! | (input[i + 1]! << 8);
		i += 2;
		let matchLength = readLength(input, i, token & 15);
		if (matchLength < 0) {
			return false;
		}

		i += lengthBytes(matchLength);
		matchLength += 4;
		if (distance === 0 || distance > out - floor) {
			return false;
		}

		if (out + matchLength > limit) {
			return overflow();
		}

		copyMatch(buffer, out, distance, matchLength);
		out += matchLength;
	}

	output.length = out;
	return true;
}

/** Byte by byte: source and target may overlap (distance < length repeats a pattern). */
function copyMatch(buffer: Uint8Array, out: number, distance: number, length: number): void {
	for (let from = out - distance, to = out; to < out + length; to++, from++) {
		buffer[to] = buffer[from]!;
	}
}

/**
A literal or match length: the token's nibble, and when that is 15, the bytes at `start` added
to it, each 255 saying that another follows. -1 when the input ends first.
*/
function readLength(input: Uint8Array, start: number, nibble: number): number {
	if (nibble !== 15) {
		return nibble;
	}

	let length = nibble;
	for (let i = start; i < input.length; i++) {
		const byte = input[i]!;
		length += byte;
		if (byte !== 255) {
			return length;
		}
	}

	return -1;
}

/** How many bytes after the token a length took: none below 15, else one per 255 and the last. */
const lengthBytes = (length: number) => (length < 15 ? 0 : Math.floor((length - 15) / 255) + 1);

function decodeLegacy(data: Uint8Array, offset: number, output: OutputBuffer, file: string, options: DecoderOptions): number {
	let blocks = 0;
	while (offset < data.length) {
		if (offset + 4 > data.length) {
			if (options.allowTrailing) {
				break;
			}

			throw truncated(file);
		}

		const size = u32(data, offset);
		if (size === legacyMagic) { // Concatenated legacy frames
			offset += 4;
			continue;
		}

		if (size === frameMagic) {
			break;
		}

		// Inside a larger image, whatever follows the last block (the kernel's size trailer)
		// reads as one more block that does not fit or does not decode.
		const mayStop = options.allowTrailing && blocks > 0;
		if (offset + 4 + size > data.length) {
			if (mayStop) {
				break;
			}

			throw new InputError(file, 'lz4 data is truncated or corrupt');
		}

		if (size > legacyBlockSize + (legacyBlockSize / 255) + 16) { // LZ4_compressBound(8 MiB)
			if (mayStop) {
				break;
			}

			throw new InputError(file, 'lz4 data is corrupt (block too large)');
		}

		const before = output.length;
		if (!decodeBlock(data.subarray(offset + 4, offset + 4 + size), output, legacyBlockSize, before)) {
			if (mayStop) {
				output.length = before;
				break;
			}

			throw new InputError(file, 'lz4 data is corrupt');
		}

		blocks++;
		offset += 4 + size;
	}

	return offset;
}

/** A frame (lz4_Frame_format.md): its descriptor, its data blocks, then the optional content checksum. */
function decodeFrame(data: Uint8Array, offset: number, output: OutputBuffer, file: string): number {
	const descriptorStart = offset + 4;
	const {flags, maxBlock, end: descriptorEnd} = readFrameDescriptor(data, descriptorStart, file);
	const contentStart = output.length;
	offset = decodeDataBlocks(data, descriptorEnd, output, (flags & 0x10) !== 0, maxBlock, (flags & 0x20) !== 0, file);
	if (flags & 0x04) {
		if (offset + 4 > data.length) {
			throw truncated(file);
		}

		if (xxh32(output.view(contentStart)) !== u32(data, offset)) {
			throw corrupt(file, 'content checksum mismatch');
		}

		offset += 4;
	}

	if (flags & 0x08 && output.length - contentStart !== u32(data, descriptorStart + 2) + (u32(data, descriptorStart + 6) * 0x1_00_00_00_00)) {
		throw corrupt(file, 'content size mismatch');
	}

	return offset;
}

/**
The frame descriptor: FLG (version, block independence and checksums, content size, dictionary),
BD (the largest block), the optional content size and dictionary id, and its own checksum byte.
*/
function readFrameDescriptor(data: Uint8Array, start: number, file: string): {flags: number; maxBlock: number; end: number} {
	if (start + 3 > data.length) {
		throw truncated(file);
	}

	const flags = data[start]!;
	const blockDescriptor = data[start + 1]!;
	if ((flags >> 6) !== 1 || (flags & 0x02) || (blockDescriptor & 0x8F)) {
		throw corrupt(file, 'bad frame descriptor');
	}

	const maxBlock = 2 ** (8 + (2 * ((blockDescriptor >> 4) & 7)));
	if (maxBlock < 65_536) {
		throw corrupt(file, 'bad block size');
	}

	const end = start + 2 + (flags & 0x08 ? 8 : 0) + (flags & 0x01 ? 4 : 0);
	if (end + 1 > data.length) {
		throw truncated(file);
	}

	if (flags & 0x01) {
		throw new InputError(file, 'lz4 data needs a dictionary, which is not supported');
	}

	if (((xxh32(data.subarray(start, end)) >>> 8) & 0xFF) !== data[end]) {
		throw corrupt(file, 'frame descriptor checksum mismatch');
	}

	return {flags, maxBlock, end: end + 1};
}

/**
Data blocks up to the EndMark: each a size word (high bit: stored uncompressed), its bytes and,
when the frame says so, their checksum. Linked blocks' matches may reach back to the frame's
start. Returns the offset after the EndMark.
*/
function decodeDataBlocks(data: Uint8Array, offset: number, output: OutputBuffer, blockChecksums: boolean, maxBlock: number, independent: boolean, file: string): number {
	const contentStart = output.length;
	for (;;) {
		if (offset + 4 > data.length) {
			throw truncated(file);
		}

		const word = u32(data, offset);
		offset += 4;
		if (word === 0) {
			return offset; // EndMark
		}

		const size = word & 0x7F_FF_FF_FF;
		const end = offset + size + (blockChecksums ? 4 : 0);
		if (size > maxBlock) {
			throw corrupt(file, 'block too large');
		}

		if (end > data.length) {
			throw truncated(file);
		}

		const block = data.subarray(offset, offset + size);
		if (blockChecksums && xxh32(block) !== u32(data, offset + size)) {
			throw corrupt(file, 'block checksum mismatch');
		}

		if (word & 0x80_00_00_00) { // Stored uncompressed
			output.append(block);
		} else if (!decodeBlock(block, output, maxBlock, independent ? output.length : contentStart)) {
			throw corrupt(file, 'bad block');
		}

		offset = end;
	}
}

/**
LZ4: the legacy frame (magic 02 21 4c 18, `lz4 -l`, what the kernel uses: no checksums, so some
corruption goes unnoticed) and the frame format (04 22 4d 18, with xxh32 checksums).
*/
export function unlz4(data: Uint8Array, file: string, options: DecoderOptions): Uint8Array {
	const output = new OutputBuffer(file, options.maxSize, options.expectedSize ?? data.length * 3);
	let offset = 0;
	while (offset < data.length) {
		if (offset + 4 > data.length) {
			break;
		}

		const magic = u32(data, offset);
		if (magic === legacyMagic) {
			offset = decodeLegacy(data, offset + 4, output, file, options);
		} else if (magic === frameMagic) {
			offset = decodeFrame(data, offset, output, file);
		} else if ((magic & 0xFF_FF_FF_F0) >>> 0 === 0x18_4D_2A_50) { // Skippable frame
			offset += 8 + (offset + 8 <= data.length ? u32(data, offset + 4) : 0);
		} else {
			break;
		}
	}

	if (offset < data.length && !options.allowTrailing && !data.subarray(offset).every(byte => byte === 0)) {
		throw new InputError(file, offset === 0 ? 'not lz4 data' : `lz4 data is followed by ${data.length - offset} bytes of garbage`);
	}

	if (offset > data.length) {
		throw truncated(file);
	}

	return output.result();
}
