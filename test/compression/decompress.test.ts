import test from 'ava';
import {decompress} from '../../source/compression/decompress.js';
import {compressed, original, originalUas, rejectsInput, sameBytes} from './helpers.js';

const formats = [
	'nls_utf8.ko.gz',
	'nls_utf8.ko.xz', // CRC32, plain LZMA2 (Debian 6.12 modules)
	'nls_utf8.ko.crc64.xz',
	'nls_utf8.ko.bcj.xz', // X86 BCJ + LZMA2 (Debian 6.1 vmlinuz)
	'nls_utf8.ko.bcj-sha256.xz',
	'nls_utf8.ko.zst', // Frame content size present
	'nls_utf8.ko.nosize.zst', // Piped into zstd: no content size
	'nls_utf8.ko.legacy.lz4', // `lz4 -l`, the kernel's
	'nls_utf8.ko.lz4', // Frame format, content size, no checksums
	'nls_utf8.ko.blockcrc.lz4', // Frame format, block and content checksums
];

// Formats whose checksums catch any flipped byte (lz4 without checksums cannot).
const checked = formats.filter(name => !name.endsWith('legacy.lz4') && name !== 'nls_utf8.ko.lz4');

for (const name of formats) {
	test(`${name} round-trips to the original bytes`, async t => {
		sameBytes(t, await decompress(compressed(name), name), original);
	});

	test(`${name} truncated → InputError`, async t => {
		const data = compressed(name);
		for (const length of [2, 10, 60, Math.floor(data.length / 2), data.length - 10, data.length - 1]) {
			// eslint-disable-next-line no-await-in-loop
			await rejectsInput(t, decompress(data.subarray(0, length), name), name);
		}
	});

	test(`${name} over the size cap → InputError`, async t => {
		await rejectsInput(t, decompress(compressed(name), name, {maxSize: 4096}), name, 'decompressed size exceeds');
		await rejectsInput(t, decompress(compressed(name), name, {maxSize: original.length - 1}), name, 'decompressed size exceeds');
		sameBytes(t, await decompress(compressed(name), name, {maxSize: original.length}), original);
	});
}

for (const name of checked) {
	test(`${name} with a flipped byte → InputError`, async t => {
		const data = compressed(name);
		for (const position of [0.3, 0.5, 0.7, 0.9].map(f => Math.floor(data.length * f)).concat(data.length - 3)) {
			const copy = Buffer.from(data);
			copy[position] = copy[position]! ^ 0x55;
			// eslint-disable-next-line no-await-in-loop
			await rejectsInput(t, decompress(copy, name), name);
		}
	});
}

test('the default cap is 512 MiB and is named in the message', async t => {
	// 600 MiB of zeros as stored zstd RLE blocks: 4 bytes per 128 KiB, so the input stays small.
	const block = Uint8Array.of(0x02 | (131_072 << 3), (131_072 << 3) >> 8, (131_072 << 3) >> 16, 0);
	const blocks = 600 * 8;
	const frame = new Uint8Array(6 + (blocks * 4));
	frame.set([0x28, 0xB5, 0x2F, 0xFD, 0x00, 0x58]); // No content size, 2 MiB window
	for (let index = 0; index < blocks; index++) {
		frame.set(block, 6 + (index * 4));
	}

	frame[frame.length - 4] = frame.at(-4)! | 1; // Last block
	await rejectsInput(t, decompress(frame, 'zeros.zst'), 'zeros.zst', 'decompressed size exceeds 512 MiB (limit)');
});

test('xz: several blocks with x86 BCJ', async t => {
	sameBytes(t, await decompress(compressed('uas.ko.bcj-blocks.xz'), 'uas.ko.xz'), originalUas);
});

test('concatenated gzip members, xz streams, zstd and lz4 frames decode as one', async t => {
	const twice = Buffer.concat([original, original]);
	for (const [a, b] of [
		['nls_utf8.ko.gz', 'nls_utf8.ko.gz'],
		['nls_utf8.ko.bcj.xz', 'nls_utf8.ko.crc64.xz'],
		['nls_utf8.ko.zst', 'nls_utf8.ko.nosize.zst'],
		['nls_utf8.ko.lz4', 'nls_utf8.ko.blockcrc.lz4'],
		['nls_utf8.ko.legacy.lz4', 'nls_utf8.ko.legacy.lz4'],
	] as const) {
		// eslint-disable-next-line no-await-in-loop
		sameBytes(t, await decompress(Buffer.concat([compressed(a), compressed(b)]), a), twice);
	}

	// Xz stream padding (zeros, multiple of four) between streams is allowed
	const padded = Buffer.concat([compressed('nls_utf8.ko.xz'), Buffer.alloc(8), compressed('nls_utf8.ko.xz')]);
	sameBytes(t, await decompress(padded, 'padded.xz'), twice);
});

test('gzip: zero padding is ignored, other trailing bytes are refused', async t => {
	sameBytes(t, await decompress(Buffer.concat([compressed('nls_utf8.ko.gz'), Buffer.alloc(7)]), 'a.gz'), original);
	await rejectsInput(t, decompress(Buffer.concat([compressed('nls_utf8.ko.gz'), Buffer.from('junk')]), 'a.gz'), 'a.gz', 'garbage');
});

test('unsupported formats and filters say so', async t => {
	await rejectsInput(t, decompress(compressed('nls_utf8.ko.bz2'), 'a.bz2'), 'a.bz2', 'bzip2 compression is not supported');
	await rejectsInput(t, decompress(compressed('nls_utf8.ko.lzma'), 'a.lzma'), 'a.lzma', 'lzma compression is not supported');
	await rejectsInput(t, decompress(Uint8Array.from([0x89, 0x4C, 0x5A, 0x4F, 0x00, 0x0D, 0x0A, 0x1A, 0x0A, 0, 0]), 'a.lzo'), 'a.lzo', 'lzo compression is not supported');
	await rejectsInput(t, decompress(compressed('nls_utf8.ko.arm64.xz'), 'a.xz'), 'a.xz', 'unsupported xz filter ARM64 BCJ');
});

test('decompress refuses data without a known magic', async t => {
	await rejectsInput(t, decompress(original, 'nls_utf8.ko'), 'nls_utf8.ko', 'not compressed');
	await rejectsInput(t, decompress(new Uint8Array(0), 'empty'), 'empty');
});
