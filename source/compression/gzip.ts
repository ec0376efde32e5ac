import zlib from 'node:zlib';
import {InputError} from '../common/input-error.js';
import {u32 as readU32} from './bytes.js';
import {type DecoderOptions, sizeExceeded} from './limits.js';

/** Offset of the deflate data of the member starting at `start`. */
function skipHeader(data: Uint8Array, start: number, file: string): number {
	const truncated = () => new InputError(file, 'gzip data is truncated (incomplete header)');
	if (start + 10 > data.length) {
		throw truncated();
	}

	if (data[start] !== 0x1F || data[start + 1] !== 0x8B || data[start + 2] !== 0x08) {
		throw new InputError(file, `gzip data is corrupt (bad member header at offset ${start})`);
	}

	const flags = data[start + 3]!;
	if ((flags & 0xE0) !== 0) {
		throw new InputError(file, 'gzip data is corrupt (reserved header flags set)');
	}

	let offset = start + 10;
	if (flags & 0x04) { // FEXTRA
		if (offset + 2 > data.length) {
			throw truncated();
		}

		offset += 2 + (data[offset]! | (data[offset + 1]! << 8));
	}

	for (const flag of [0x08, 0x10]) { // FNAME, FCOMMENT: NUL-terminated
		if (flags & flag) {
			while (offset < data.length && data[offset] !== 0) {
				offset++;
			}

			offset++;
		}
	}

	if (flags & 0x02) { // FHCRC
		offset += 2;
	}

	if (offset > data.length) {
		throw truncated();
	}

	return offset;
}

/**
Decode every gzip member, as gzip does. Members are walked by hand (inflateRaw reports how
much input it used) so that the CRC and size of each are checked and trailing zeros ignored.
*/
export function gunzip(data: Uint8Array, file: string, options: DecoderOptions): Uint8Array {
	const members: Uint8Array[] = [];
	let total = 0;
	let offset = 0;
	while (offset < data.length) {
		const deflateStart = skipHeader(data, offset, file);
		let result: {buffer: Buffer; engine: zlib.Inflate};
		const room = options.maxSize - total;
		try {
			// `info: true` returns the engine, whose bytesWritten is the input consumed.
			result = zlib.inflateRawSync(data.subarray(deflateStart), {info: true, maxOutputLength: Math.max(1, room)}) as unknown as typeof result;
		} catch (error) {
			const code = (error as {code?: string}).code;
			if (code === 'ERR_BUFFER_TOO_LARGE') {
				throw sizeExceeded(file, options.maxSize);
			}

			const message = code === 'Z_BUF_ERROR' ? 'gzip data is truncated' : `gzip data is corrupt (${(error as Error).message})`;
			throw new InputError(file, message);
		}

		const end = deflateStart + result.engine.bytesWritten;
		if (end + 8 > data.length) {
			throw new InputError(file, 'gzip data is truncated (missing CRC and size trailer)');
		}

		const crc = zlib.crc32(result.buffer);
		if (crc !== readU32(data, end) || (result.buffer.length % 0x1_00_00_00_00) !== readU32(data, end + 4)) {
			throw new InputError(file, 'gzip data is corrupt (CRC or length mismatch)');
		}

		if (result.buffer.length > room) {
			throw sizeExceeded(file, options.maxSize);
		}

		members.push(result.buffer);
		total += result.buffer.length;
		offset = end + 8;
		// Gzip ignores zero padding after the last member (tape blocks); we do too.
		if (data.subarray(offset).every(byte => byte === 0)) {
			break;
		}

		if (data[offset] !== 0x1F || data[offset + 1] !== 0x8B) {
			if (options.allowTrailing) {
				break;
			}

			throw new InputError(file, `gzip data is followed by ${data.length - offset} bytes of garbage`);
		}
	}

	return members.length === 1 ? members[0]! : Buffer.concat(members, total);
}
