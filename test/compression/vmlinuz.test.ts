import {readFileSync} from 'node:fs';
import test from 'ava';
import {extractVmlinux, isBzImage} from '../../source/compression/vmlinuz.js';
import {needs} from '../helpers/oracles.js';
import {corpus} from '../helpers/paths.js';
import {compressed, original, rejectsInput, sameBytes} from './helpers.js';

const versionString = '6.1.0-99-amd64 (debian-kernel@lists.debian.org) #1 SMP PREEMPT_DYNAMIC Debian 6.1.999-1 (2026-01-01)';

/**
A minimal x86 bzImage: setup header fields as in Documentation/arch/x86/boot.rst, and the
payload (compressed nls_utf8.ko, an ELF file) followed by its size as the kernel build appends it.
*/
function bzImage(payload: Uint8Array, options: {size?: number; setupSectors?: number} = {}): Buffer {
	const setupSectors = options.setupSectors ?? 1;
	const setupSize = (setupSectors || 4) * 512;
	const protectedMode = Buffer.alloc(300); // Stands for the decompressor code before the payload
	const trailer = Buffer.alloc(4);
	trailer.writeUInt32LE(options.size ?? original.length);
	const image = Buffer.concat([Buffer.alloc(512 + setupSize), protectedMode, payload, trailer, Buffer.alloc(64)]);
	image[0x1F1] = setupSectors;
	image.write('HdrS', 0x202, 'latin1');
	image.writeUInt16LE(0x020F, 0x206);
	image.writeUInt16LE(0x300 - 0x200, 0x20E);
	image.write(`${versionString}\0`, 0x300, 'latin1');
	image.writeUInt32LE(protectedMode.length, 0x248);
	image.writeUInt32LE(payload.length + 4, 0x24C);
	return image;
}

const payloads = [
	['nls_utf8.ko.gz', 'gzip'],
	['nls_utf8.ko.bcj.xz', 'xz'],
	['nls_utf8.ko.nosize.zst', 'zstd'], // The kernel pipes into zstd: no frame content size
	['nls_utf8.ko.legacy.lz4', 'lz4'],
] as const;

for (const [name, compression] of payloads) {
	test(`synthetic bzImage with a ${compression} payload`, async t => {
		const image = bzImage(compressed(name));
		t.true(isBzImage(image));
		const result = await extractVmlinux(image, 'vmlinuz');
		sameBytes(t, result.elf, original);
		t.is(result.compression, compression);
		t.is(result.payloadOffset, 512 + 512 + 300);
		t.is(result.versionString, versionString);
		t.is(result.release, '6.1.0-99-amd64');
	});

	test(`synthetic bzImage (${compression}) with a wrong size trailer → InputError`, async t => {
		await rejectsInput(t, extractVmlinux(bzImage(compressed(name), {size: original.length + 4}), 'vmlinuz'), 'vmlinuz');
	});
}

test('setup_sects 0 means 4', async t => {
	const result = await extractVmlinux(bzImage(compressed('nls_utf8.ko.gz'), {setupSectors: 0}), 'vmlinuz');
	t.is(result.payloadOffset, 512 + 2048 + 300);
	sameBytes(t, result.elf, original);
});

test('truncated or unsupported bzImage → InputError', async t => {
	const image = bzImage(compressed('nls_utf8.ko.bcj.xz'));
	await rejectsInput(t, extractVmlinux(image.subarray(0, image.length - 1000), 'vmlinuz'), 'vmlinuz', 'truncated');
	await rejectsInput(t, extractVmlinux(bzImage(compressed('nls_utf8.ko.bz2')), 'vmlinuz'), 'vmlinuz', 'bzip2 compression is not supported');
	await rejectsInput(t, extractVmlinux(bzImage(compressed('nls_utf8.ko.bcj.xz')), 'vmlinuz', {maxSize: 4096}), 'vmlinuz', 'decompressed size exceeds');
	await rejectsInput(t, extractVmlinux(bzImage(original), 'vmlinuz'), 'vmlinuz', 'no known compression');
});

test('not a bzImage: the first compressed stream that yields an ELF is found', async t => {
	for (const [name, compression] of payloads) {
		// A decoy gzip magic that does not decode, then the payload and trailing bytes.
		const prefix = Buffer.concat([Buffer.from('EFI stub \x1F\x8B\x08 decoy', 'latin1'), Buffer.alloc(100)]);
		const image = Buffer.concat([prefix, compressed(name), Buffer.from([0x10, 0x20, 0, 0])]);
		t.false(isBzImage(image));
		// eslint-disable-next-line no-await-in-loop
		const result = await extractVmlinux(image, 'Image');
		t.is(result.compression, compression);
		t.is(result.payloadOffset, prefix.length);
		sameBytes(t, result.elf, original);
		t.is(result.release, undefined); // A module has no "Linux version" banner
	}
});

test('not a vmlinuz at all → InputError', async t => {
	await rejectsInput(t, extractVmlinux(Buffer.from('just some text, no kernel here'), 'notes.txt'), 'notes.txt');
	await rejectsInput(t, extractVmlinux(original, 'vmlinux'), 'vmlinux', 'ELF');
	t.false(isBzImage(original));
});

const realImages = [
	['debian-6.1.0-47-amd64', 65_905_108, '6.1.0-47-amd64'],
	['debian-6.1.0-56-amd64', 65_906_612, '6.1.0-56-amd64'],
] as const;

for (const [directory, size, release] of realImages) {
	needs('corpus')(`real Debian vmlinuz ${release} (xz + x86 BCJ)`, async t => {
		const image = readFileSync(corpus('kernels', directory, 'vmlinuz'));
		t.true(isBzImage(image));
		const result = await extractVmlinux(image, 'vmlinuz');
		t.is(result.compression, 'xz');
		t.is(result.payloadOffset, 21_196);
		t.is(result.elf.length, size);
		t.deepEqual([...result.elf.subarray(0, 4)], [0x7F, 0x45, 0x4C, 0x46]);
		// ELF64 little-endian: the section header table must lie inside the file.
		const elf = Buffer.from(result.elf.buffer, result.elf.byteOffset, result.elf.byteLength);
		const sectionHeaders = Number(elf.readBigUInt64LE(0x28));
		t.true(sectionHeaders + (elf.readUInt16LE(0x3C) * elf.readUInt16LE(0x3A)) <= size);
		t.is(elf.readUInt16LE(0x3A), 64);
		t.is(result.release, release);
		t.true(result.versionString?.startsWith(`${release} (debian-kernel@lists.debian.org) #1 SMP PREEMPT_DYNAMIC Debian 6.1.`));
	});
}
