import test from 'ava';
import {detectCompression} from '../../source/compression/detect.js';
import {maybeDecompress} from '../../source/compression/decompress.js';
import {compressed, original, sameBytes} from './helpers.js';

const cases = [
	['nls_utf8.ko.gz', 'gzip'],
	['nls_utf8.ko.xz', 'xz'],
	['nls_utf8.ko.bcj.xz', 'xz'],
	['nls_utf8.ko.zst', 'zstd'],
	['nls_utf8.ko.legacy.lz4', 'lz4'],
	['nls_utf8.ko.lz4', 'lz4'],
	['nls_utf8.ko.bz2', 'bzip2'],
	['nls_utf8.ko.lzma', 'lzma'],
] as const;

for (const [name, compression] of cases) {
	test(`detects ${name} as ${compression}`, t => {
		t.is(detectCompression(compressed(name)), compression);
	});
}

test('lzo (lzop) magic is detected', t => {
	t.is(detectCompression(Uint8Array.from([0x89, 0x4C, 0x5A, 0x4F, 0x00, 0x0D, 0x0A, 0x1A, 0x0A, 0x10, 0x40])), 'lzo');
});

test('plain ELF, text, short and empty data are not compressed', t => {
	t.is(detectCompression(original), undefined);
	t.is(detectCompression(Buffer.from('0x16c03af\tmodule_layout\tvmlinux\tEXPORT_SYMBOL\t\n')), undefined);
	t.is(detectCompression(Buffer.from('BZhello')), undefined); // "BZh" needs a block size digit
	t.is(detectCompression(Uint8Array.of(0x1F)), undefined);
	t.is(detectCompression(new Uint8Array(0)), undefined);
});

test('detection is by content: a .ko.gz renamed to .ko is still decompressed', async t => {
	const {data, compression} = await maybeDecompress(compressed('nls_utf8.ko.gz'), 'nls_utf8.ko');
	t.is(compression, 'gzip');
	sameBytes(t, data, original);
});

test('maybeDecompress hands uncompressed data back unchanged', async t => {
	const {data, compression} = await maybeDecompress(original, 'nls_utf8.ko');
	t.is(compression, undefined);
	t.is(data, original);
});
