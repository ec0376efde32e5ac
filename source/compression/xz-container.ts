import zlib from 'node:zlib';
import {InputError} from '../common/input-error.js';
import {u32 as readU32, writeU32} from './bytes.js';

/*
Just enough of the .xz container format (https://tukaani.org/xz/xz-file-format.txt) to find
every block and its filter chain. Streams are located from the end, through the footer and the
index, as `xz --list` does: block headers need not record their compressed size.
*/

export type XzFilter = {id: number; properties: Uint8Array};
export type XzBlock = {
	/** Offset of the block header, relative to the start of the data. */
	headerOffset: number;
	headerSize: number;
	flags: number;
	/** Offset of the first filter flags field. */
	filtersOffset: number;
	filters: XzFilter[];
	unpaddedSize: number;
	uncompressedSize: number;
};
export type XzStream = {start: number; end: number; checkType: number; blocks: XzBlock[]; uncompressedSize: number};

export const filterIds = {delta: 0x03, x86: 0x04, lzma2: 0x21} as const;
export const filterNames = new Map<number, string>([
	[0x03, 'Delta'], [0x04, 'x86 BCJ'], [0x05, 'PowerPC BCJ'], [0x06, 'IA-64 BCJ'], [0x07, 'ARM BCJ'],
	[0x08, 'ARM-Thumb BCJ'], [0x09, 'SPARC BCJ'], [0x0A, 'ARM64 BCJ'], [0x0B, 'RISC-V BCJ'], [0x21, 'LZMA2'],
]);
export const checkNames = new Map<number, string>([[0, 'none'], [1, 'CRC32'], [4, 'CRC64'], [10, 'SHA-256']]);

const streamMagic = [0xFD, 0x37, 0x7A, 0x58, 0x5A, 0x00];

export function checkSize(checkType: number): number {
	return checkType === 0 ? 0 : 4 << Math.floor((checkType - 1) / 3);
}

const round4 = (n: number) => Math.ceil(n / 4) * 4;

/** The index's multibyte integer encoding. */
export function varint(value: number): number[] {
	const bytes: number[] = [];
	while (value >= 0x80) {
		bytes.push((value % 0x80) | 0x80);
		value = Math.floor(value / 0x80);
	}

	bytes.push(value);
	return bytes;
}

class Reader {
	constructor(private readonly data: Uint8Array, public offset: number, private readonly end: number, private readonly fail: (why: string) => InputError) {}

	byte(): number {
		if (this.offset >= this.end) {
			throw this.fail('unexpected end of header');
		}

		return this.data[this.offset++]!;
	}

	/** Multibyte integer: 7 bits a byte, at most 9 bytes; numbers above 2^53 are refused. */
	varint(): number {
		let value = 0;
		for (let index = 0; index < 9; index++) {
			const byte = this.byte();
			value += (byte & 0x7F) * (2 ** (7 * index));
			if ((byte & 0x80) === 0) {
				if (index > 0 && byte === 0) {
					throw this.fail('non-minimal integer encoding');
				}

				if (!Number.isSafeInteger(value)) {
					throw this.fail('size too large');
				}

				return value;
			}
		}

		throw this.fail('integer too long');
	}
}

function crcMatches(data: Uint8Array, start: number, end: number): boolean {
	return zlib.crc32(data.subarray(start, end)) === readU32(data, end);
}

/** Parse the stream ending at `end` (just after its footer). */
function parseStreamBackward(data: Uint8Array, end: number, file: string): XzStream {
	const fail = (why: string) => new InputError(file, `xz data is corrupt or truncated (${why})`);
	if (end < 24) {
		throw fail('too short');
	}

	const footer = end - 12;
	if (data[end - 2] !== 0x59 || data[end - 1] !== 0x5A) {
		throw fail('no stream footer');
	}

	if (readU32(data, footer) !== zlib.crc32(data.subarray(footer + 4, footer + 10))) {
		throw fail('bad stream footer CRC');
	}

	const checkType = data[footer + 9]!;
	if (data[footer + 8] !== 0 || checkType > 0x0F) {
		throw fail('bad stream flags');
	}

	const indexSize = (readU32(data, footer + 4) + 1) * 4;
	const indexStart = footer - indexSize;
	if (indexStart < 12 || data[indexStart] !== 0x00) {
		throw fail('bad index position');
	}

	if (!crcMatches(data, indexStart, footer - 4)) {
		throw fail('bad index CRC');
	}

	const reader = new Reader(data, indexStart + 1, footer - 4, fail);
	const count = reader.varint();
	const records: Array<{unpaddedSize: number; uncompressedSize: number}> = [];
	let blocksSize = 0;
	let uncompressedSize = 0;
	for (let index = 0; index < count; index++) {
		const unpaddedSize = reader.varint();
		const blockUncompressed = reader.varint();
		records.push({unpaddedSize, uncompressedSize: blockUncompressed});
		blocksSize += round4(unpaddedSize);
		uncompressedSize += blockUncompressed;
	}

	if (round4(reader.offset) !== footer - 4) {
		throw fail('bad index size');
	}

	const start = indexStart - blocksSize - 12;
	if (start < 0) {
		throw fail('index describes more data than present');
	}

	for (const [index, byte] of streamMagic.entries()) {
		if (data[start + index] !== byte) {
			throw fail('no stream header where the index puts it');
		}
	}

	if (!crcMatches(data, start + 6, start + 8) || data[start + 6] !== data[footer + 8] || data[start + 7] !== checkType) {
		throw fail('stream header and footer disagree');
	}

	const blocks: XzBlock[] = [];
	let offset = start + 12;
	for (const record of records) {
		blocks.push(parseBlockHeader(data, offset, record, fail));
		offset += round4(record.unpaddedSize);
	}

	return {start, end, checkType, blocks, uncompressedSize};
}

function parseBlockHeader(data: Uint8Array, offset: number, record: {unpaddedSize: number; uncompressedSize: number}, fail: (why: string) => InputError): XzBlock {
	const headerSize = (data[offset]! + 1) * 4;
	if (data[offset] === 0 || offset + headerSize > data.length) {
		throw fail('bad block header');
	}

	if (!crcMatches(data, offset, offset + headerSize - 4)) {
		throw fail('bad block header CRC');
	}

	const flags = data[offset + 1]!;
	if (flags & 0x3C) {
		throw fail('reserved block flags set');
	}

	const reader = new Reader(data, offset + 2, offset + headerSize - 4, fail);
	if (flags & 0x40) {
		reader.varint(); // Compressed size; the index has it too
	}

	if (flags & 0x80 && reader.varint() !== record.uncompressedSize) {
		throw fail('block header and index disagree');
	}

	const filtersOffset = reader.offset;
	const filters: XzFilter[] = [];
	for (let index = 0; index <= (flags & 3); index++) {
		const id = reader.varint();
		const size = reader.varint();
		const propertiesStart = reader.offset;
		reader.offset += size;
		if (reader.offset > offset + headerSize - 4) {
			throw fail('bad filter flags');
		}

		filters.push({id, properties: data.subarray(propertiesStart, propertiesStart + size)});
	}

	return {headerOffset: offset, headerSize, flags, filtersOffset, filters, unpaddedSize: record.unpaddedSize, uncompressedSize: record.uncompressedSize};
}

/**
All streams of an .xz file in order. With `allowTrailing`, the data may go on after the last
stream (a payload inside a larger image): the last footer is then searched for.
*/
export function parseXz(data: Uint8Array, file: string, allowTrailing = false): XzStream[] {
	const parseFrom = (end: number): XzStream[] => {
		const streams: XzStream[] = [];
		while (end > 0) {
			// Stream padding: zero bytes in multiples of four, between or after streams.
			while (end >= 4 && readU32(data, end - 4) === 0) {
				end -= 4;
			}

			const stream = parseStreamBackward(data, end, file);
			streams.unshift(stream);
			end = stream.start;
		}

		if (streams.length === 0) {
			throw new InputError(file, 'xz data is corrupt (no stream)');
		}

		return streams;
	};

	if (data.length % 4 !== 0 && !allowTrailing) {
		throw new InputError(file, 'xz data is corrupt or truncated (size is not a multiple of four)');
	}

	if (!allowTrailing) {
		return parseFrom(data.length);
	}

	let firstError: unknown;
	for (let end = data.length; end >= 24; end--) {
		if (data[end - 1] === 0x5A && data[end - 2] === 0x59 && end % 4 === 0) {
			try {
				return parseFrom(end);
			} catch (error) {
				firstError ??= error;
			}
		}
	}

	throw firstError ?? new InputError(file, 'xz data is corrupt or truncated (no stream footer)');
}

/** One block of a single-stream .xz file, where it is and what it decodes to. */
export type XzBlockRange = {
	/** Offset of the block header in the file. */
	offset: number;
	unpaddedSize: number;
	uncompressedOffset: number;
	uncompressedSize: number;
};

export type XzBlockIndex = {checkType: number; streamFlags: Uint8Array; blocks: XzBlockRange[]; uncompressedSize: number};

/**
The blocks of a single-stream .xz file, from its footer and index alone (a few KB read from the
end): `xz -T` and pixz write many blocks, each decodable on its own, so one member of a 1.3 GB
tarball needs one 24 MiB block, not everything before it. Undefined for files of several streams.
*/
export async function readXzBlockIndex(read: (offset: number, length: number) => Promise<Uint8Array>, size: number, file: string): Promise<XzBlockIndex | undefined> {
	const fail = (why: string) => new InputError(file, `xz data is corrupt or truncated (${why})`);
	if (size < 32 || size % 4 !== 0) {
		throw fail('too short or not a multiple of four bytes');
	}

	const footer = await read(size - 12, 12);
	if (footer[10] !== 0x59 || footer[11] !== 0x5A || readU32(footer, 0) !== zlib.crc32(footer.subarray(4, 10))) {
		return undefined; // Stream padding or a damaged footer: leave it to the sequential decoder.
	}

	const checkType = footer[9]!;
	const indexSize = (readU32(footer, 4) + 1) * 4;
	const indexStart = size - 12 - indexSize;
	if (indexStart < 12 || indexSize > 64 * 1024 * 1024) {
		throw fail('bad index position');
	}

	const index = await read(indexStart, indexSize);
	if (index[0] !== 0 || !crcMatches(index, 0, indexSize - 4)) {
		throw fail('bad index');
	}

	const reader = new Reader(index, 1, indexSize - 4, fail);
	const count = reader.varint();
	const blocks: XzBlockRange[] = [];
	let offset = 12;
	let uncompressedOffset = 0;
	for (let position = 0; position < count; position++) {
		const unpaddedSize = reader.varint();
		const uncompressedSize = reader.varint();
		blocks.push({offset, unpaddedSize, uncompressedOffset, uncompressedSize});
		offset += round4(unpaddedSize);
		uncompressedOffset += uncompressedSize;
	}

	if (offset !== indexStart) {
		return undefined; // More than one stream.
	}

	const header = await read(0, 12);
	if (!streamMagic.every((byte, position) => header[position] === byte) || header[6] !== footer[8] || header[7] !== checkType) {
		return undefined;
	}

	return {checkType, streamFlags: header.slice(6, 8), blocks, uncompressedSize: uncompressedOffset};
}

/** A complete .xz stream holding one block of another file (its bytes from header to check). */
export function singleBlockStream(index: XzBlockIndex, block: XzBlockRange, blockBytes: Uint8Array): Uint8Array {
	const header = new Uint8Array(12);
	header.set(streamMagic);
	header.set(index.streamFlags, 6);
	writeU32(header, 8, zlib.crc32(header.subarray(6, 8)));
	const records = [0, 1, ...varint(block.unpaddedSize), ...varint(block.uncompressedSize)];
	while (records.length % 4 !== 0) {
		records.push(0);
	}

	const indexBytes = new Uint8Array(records.length + 4);
	indexBytes.set(records);
	writeU32(indexBytes, records.length, zlib.crc32(indexBytes.subarray(0, records.length)));
	const footer = new Uint8Array(12);
	writeU32(footer, 4, (indexBytes.length / 4) - 1);
	footer.set(index.streamFlags, 8);
	footer[10] = 0x59;
	footer[11] = 0x5A;
	writeU32(footer, 0, zlib.crc32(footer.subarray(4, 10)));
	const result = new Uint8Array(12 + blockBytes.length + indexBytes.length + 12);
	result.set(header, 0);
	result.set(blockBytes, 12);
	result.set(indexBytes, 12 + blockBytes.length);
	result.set(footer, 12 + blockBytes.length + indexBytes.length);
	return result;
}
