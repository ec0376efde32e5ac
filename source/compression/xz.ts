import {createHash} from 'node:crypto';
import zlib from 'node:zlib';
import pkg from 'xz-decompress';
import {InputError} from '../common/input-error.js';
import {bcjX86Decode} from './bcj-x86.js';
import {u32 as readU32, writeU32} from './bytes.js';
import {crc64} from './crc64.js';
import {type DecoderOptions, sizeExceeded} from './limits.js';
import {
	checkNames, checkSize, filterIds, filterNames, parseXz, varint, type XzBlock, type XzStream,
} from './xz-container.js';

const {XzReadableStream} = pkg;

// Xz-embedded's return codes (xz.h), as the wasm wrapper reports them.
const libraryErrors = new Map<number, string>([
	[3, 'out of memory'],
	[4, 'dictionary too large'],
	[5, 'not xz data'],
	[6, 'unsupported options'],
	[7, 'data is corrupt'],
	[8, 'data is truncated or corrupt'],
]);

type BlockPlan = {block: XzBlock; outputOffset: number; bcjStart: number | undefined};

/** Check the filter chain; returns the x86 BCJ start offset when the chain is [x86, LZMA2]. */
function planBlock(block: XzBlock, file: string): number | undefined {
	const names = block.filters.map(filter => filterNames.get(filter.id) ?? `0x${filter.id.toString(16)}`);
	const last = block.filters.at(-1);
	if (last?.id !== filterIds.lzma2) {
		throw new InputError(file, `unsupported xz filter chain (${names.join(', ')})`);
	}

	if (block.filters.length === 1) {
		return undefined;
	}

	const first = block.filters[0]!;
	if (block.filters.length !== 2 || first.id !== filterIds.x86) {
		const unsupported = names.slice(0, -1).find(name => name !== 'x86 BCJ') ?? names.join(', ');
		throw new InputError(file, `unsupported xz filter ${unsupported} (only LZMA2 and x86 BCJ are supported)`);
	}

	if (first.properties.length === 0) {
		return 0;
	}

	if (first.properties.length === 4) {
		return readU32(first.properties, 0);
	}

	throw new InputError(file, 'xz data is corrupt (bad x86 BCJ properties)');
}

/**
Xz-embedded in the wasm build has no BCJ filters. For a [x86, LZMA2] block, list only LZMA2 in
the header: the header keeps its size (zero padding is allowed), so the index stays valid; the
x86 filter is then undone on that block's output.
*/
function dropBcj(copy: Uint8Array, block: XzBlock): void {
	const lzma2 = block.filters.at(-1)!;
	const headerEnd = block.headerOffset + block.headerSize - 4;
	copy[block.headerOffset + 1] = block.flags & ~3;
	let offset = block.filtersOffset;
	copy[offset++] = filterIds.lzma2;
	copy[offset++] = lzma2.properties.length;
	copy.set(lzma2.properties, offset);
	copy.fill(0, offset + lzma2.properties.length, headerEnd);
	const crc = zlib.crc32(copy.subarray(block.headerOffset, headerEnd));
	writeU32(copy, headerEnd, crc);
}

/** Decode a whole .xz stream whose uncompressed size is known (a block cut out of a larger file). */
export async function decodeXzStream(input: Uint8Array, uncompressedSize: number, file: string): Promise<Uint8Array> {
	const output = new Uint8Array(uncompressedSize);
	await runLibrary(input, output, file);
	return output;
}

async function runLibrary(input: Uint8Array, output: Uint8Array, file: string): Promise<void> {
	const source = new ReadableStream<Uint8Array>({
		start(controller) {
			controller.enqueue(input);
			controller.close();
		},
	});
	const reader = new XzReadableStream(source).getReader();
	let length = 0;
	try {
		for (;;) {
			// eslint-disable-next-line no-await-in-loop
			const {done, value} = await reader.read();
			if (done) {
				break;
			}

			if (length + value.length > output.length) {
				// eslint-disable-next-line no-await-in-loop -- a stream is read in order.
				await reader.cancel();
				throw new InputError(file, 'xz data is corrupt (more output than the index says)');
			}

			output.set(value, length);
			length += value.length;
		}
	} catch (error) {
		if (error instanceof InputError) {
			throw error;
		}

		const code = /error code (\d+)/.exec(String((error as Error).message))?.[1];
		const why = libraryErrors.get(Number(code)) ?? (error as Error).message;
		throw new InputError(file, `xz ${why.startsWith('data') ? why : `decoding failed (${why})`}`);
	}

	if (length !== output.length) {
		throw new InputError(file, 'xz data is corrupt (less output than the index says)');
	}
}

export async function unxz(data: Uint8Array, file: string, options: DecoderOptions): Promise<Uint8Array> {
	const streams = parseXz(data, file, options.allowTrailing);
	const total = streams.reduce((sum, stream) => sum + stream.uncompressedSize, 0);
	if (total > options.maxSize) {
		throw sizeExceeded(file, options.maxSize);
	}

	if (options.expectedSize !== undefined && options.expectedSize !== total) {
		throw new InputError(file, `xz data holds ${total} bytes but the image says ${options.expectedSize}`);
	}

	const output = new Uint8Array(total);
	let outputOffset = 0;
	for (const stream of streams) {
		// eslint-disable-next-line no-await-in-loop
		await decodeStream(data, stream, output.subarray(outputOffset, outputOffset + stream.uncompressedSize), file);
		outputOffset += stream.uncompressedSize;
	}

	return output;
}

/**
A copy of the stream with check type "none", the check fields cut out and the index rewritten
to match. Needed with BCJ because the check covers the BCJ-decoded data, which the library
never sees; we verify the checks ourselves instead (which also gives us SHA-256).
*/
function withoutChecks(data: Uint8Array, stream: XzStream): Uint8Array {
	const size = checkSize(stream.checkType);
	const parts: Uint8Array[] = [];
	const header = new Uint8Array(12);
	header.set(data.subarray(stream.start, stream.start + 6));
	writeU32(header, 8, zlib.crc32(header.subarray(6, 8)));
	parts.push(header);
	const index = [0, ...varint(stream.blocks.length)];
	for (const block of stream.blocks) {
		const paddedEnd = block.headerOffset + Math.ceil((block.unpaddedSize - size) / 4) * 4;
		parts.push(data.subarray(block.headerOffset, paddedEnd));
		// eslint-disable-next-line no-restricted-syntax -- a varint is at most 9 bytes.
		index.push(...varint(block.unpaddedSize - size), ...varint(block.uncompressedSize));
	}

	while (index.length % 4 !== 0) {
		index.push(0);
	}

	const indexBytes = new Uint8Array(index.length + 4);
	indexBytes.set(index);
	writeU32(indexBytes, index.length, zlib.crc32(indexBytes.subarray(0, index.length)));
	parts.push(indexBytes);
	const footer = new Uint8Array(12);
	writeU32(footer, 4, (indexBytes.length / 4) - 1);
	footer[10] = 0x59;
	footer[11] = 0x5A;
	writeU32(footer, 0, zlib.crc32(footer.subarray(4, 10)));
	parts.push(footer);
	const result = new Uint8Array(parts.reduce((sum, part) => sum + part.length, 0));
	let offset = 0;
	for (const part of parts) {
		result.set(part, offset);
		offset += part.length;
	}

	return result;
}

function computeCheck(checkType: number, data: Uint8Array): Uint8Array {
	switch (checkType) {
		case 1: {
			const crc = new Uint8Array(4);
			writeU32(crc, 0, zlib.crc32(data));
			return crc;
		}

		case 4: {
			return crc64(data);
		}

		case 10: {
			return createHash('sha256').update(data).digest();
		}

		default: {
			return new Uint8Array(0);
		}
	}
}

async function decodeStream(data: Uint8Array, stream: XzStream, output: Uint8Array, file: string): Promise<void> {
	if (![0, 1, 4, 10].includes(stream.checkType)) {
		throw new InputError(file, `unsupported xz check type ${stream.checkType}`);
	}

	const plans: BlockPlan[] = [];
	let outputOffset = 0;
	for (const block of stream.blocks) {
		plans.push({block, outputOffset, bcjStart: planBlock(block, file)});
		outputOffset += block.uncompressedSize;
	}

	if (output.length === 0) {
		return; // Nothing to decode; the container was checked
	}

	// The library checks CRC32 and CRC64 itself, unless BCJ is involved.
	const ownChecks = stream.checkType === 10 || plans.some(plan => plan.bcjStart !== undefined);
	let input = data.subarray(stream.start, stream.end);
	if (ownChecks) {
		input = withoutChecks(data, stream);
		let blockOffset = 12;
		for (const plan of plans) {
			if (plan.bcjStart !== undefined) {
				const shift = blockOffset - plan.block.headerOffset;
				dropBcj(input, {...plan.block, headerOffset: blockOffset, filtersOffset: plan.block.filtersOffset + shift});
			}

			blockOffset += Math.ceil((plan.block.unpaddedSize - checkSize(stream.checkType)) / 4) * 4;
		}
	}

	await runLibrary(input, output, file);
	if (!ownChecks) {
		return;
	}

	const size = checkSize(stream.checkType);
	for (const plan of plans) {
		const blockOutput = output.subarray(plan.outputOffset, plan.outputOffset + plan.block.uncompressedSize);
		if (plan.bcjStart !== undefined) {
			bcjX86Decode(blockOutput, plan.bcjStart);
		}

		const checkOffset = plan.block.headerOffset + Math.ceil((plan.block.unpaddedSize - size) / 4) * 4;
		const expected = data.subarray(checkOffset, checkOffset + size);
		const actual = computeCheck(stream.checkType, blockOutput);
		if (!actual.every((byte, index) => byte === expected[index])) {
			throw new InputError(file, `xz data is corrupt (${checkNames.get(stream.checkType)} mismatch)`);
		}
	}
}
