import {InputError} from '../common/input-error.js';
import {isElf} from '../elf/elf-file.js';
import {u16, u32} from './bytes.js';
import {type Compression, compressionAt, magics} from './detect.js';
import {decodeAs, type DecompressOptions, decoderOptions} from './decompress.js';

export type Vmlinux = {
	elf: Uint8Array;
	compression: Compression;
	/** Offset of the compressed payload in the image. */
	payloadOffset: number;
	/** First word of `versionString`, e.g. "6.1.0-47-amd64". */
	release: string | undefined;
	versionString: string | undefined;
};

/** An x86 boot image: the "HdrS" setup header signature at 0x202 (Documentation/arch/x86/boot.rst). */
export function isBzImage(data: Uint8Array): boolean {
	return data.length >= 0x250 && data[0x202] === 0x48 && data[0x203] === 0x64 && data[0x204] === 0x72 && data[0x205] === 0x53;
}

function cString(data: Uint8Array, start: number, maxLength: number): string | undefined {
	let end = start;
	while (end < data.length && end - start < maxLength && data[end] !== 0) {
		end++;
	}

	const text = new TextDecoder('latin1').decode(data.subarray(start, end)).trim();
	// eslint-disable-next-line no-control-regex
	return text && !/[\u0000-\u001F\u007F]/.test(text) ? text : undefined;
}

/** The setup header's kernel_version string (relative to 0x200), when set. */
function headerVersion(data: Uint8Array): string | undefined {
	const pointer = u16(data, 0x20E);
	return pointer === 0 || 0x200 + pointer >= data.length ? undefined : cString(data, 0x200 + pointer, 512);
}

const bannerPrefix = Buffer.from('Linux version ');

/**
`linux_banner` in a kernel, "Linux version 6.1.0-47-amd64 (debian-kernel@…) #1 SMP …": the text
after "Linux version ". Other strings start the same way (printk formats): the banner is the
first whose first word is followed by " (".
*/
export function linuxBanner(data: Uint8Array): string | undefined {
	const buffer = Buffer.from(data.buffer, data.byteOffset, data.byteLength);
	for (let at = buffer.indexOf(bannerPrefix); at !== -1; at = buffer.indexOf(bannerPrefix, at + 1)) {
		const text = cString(data, at + bannerPrefix.length, 512);
		if (text && /^[\w.+~-]+ \(/.test(text)) {
			return text;
		}
	}

	return undefined;
}

function result(elf: Uint8Array, compression: Compression, payloadOffset: number, versionString: string | undefined): Vmlinux {
	return {elf, compression, payloadOffset, release: versionString?.split(/\s/)[0], versionString};
}

/**
Decompress the kernel inside a vmlinuz. An x86 bzImage says where its payload is; other images
are searched for the first compressed stream that decodes to an ELF file. The payload ends with
the uncompressed size as a little-endian u32 (scripts/Makefile.lib, size_append), cut off here.
*/
export async function extractVmlinux(data: Uint8Array, file: string, options?: DecompressOptions): Promise<Vmlinux> {
	const decoder = decoderOptions(options);
	if (isElf(data)) {
		throw new InputError(file, 'is already an uncompressed kernel (ELF), not a vmlinuz');
	}

	if (isBzImage(data) && u16(data, 0x206) >= 0x208) { // Payload fields since boot protocol 2.08
		const setupSectors = data[0x1F1] || 4;
		const payloadOffset = ((setupSectors + 1) * 512) + u32(data, 0x248);
		const payloadLength = u32(data, 0x24C);
		if (payloadLength < 8 || payloadOffset + payloadLength > data.length) {
			throw new InputError(file, `bzImage payload (offset ${payloadOffset}, ${payloadLength} bytes) lies outside the file; is it truncated?`);
		}

		const compression = compressionAt(data, payloadOffset);
		if (!compression) {
			throw new InputError(file, `bzImage payload at offset ${payloadOffset} has no known compression magic`);
		}

		const expectedSize = u32(data, payloadOffset + payloadLength - 4);
		const payload = data.subarray(payloadOffset, payloadOffset + payloadLength - 4);
		const elf = await decodeAs(compression, payload, file, {...decoder, expectedSize});
		if (elf.length !== expectedSize) {
			throw new InputError(file, `decompressed kernel is ${elf.length} bytes but the image says ${expectedSize}`);
		}

		if (!isElf(elf)) {
			throw new InputError(file, 'decompressed bzImage payload is not an ELF file');
		}

		return result(elf, compression, payloadOffset, headerVersion(data) ?? linuxBanner(elf));
	}

	return scan(data, file, decoder);
}

async function scan(data: Uint8Array, file: string, decoder: ReturnType<typeof decoderOptions>): Promise<Vmlinux> {
	const firstBytes = new Set(magics.map(magic => magic.bytes[0]!));
	const unsupported = new Set<Compression>();
	let firstError: InputError | undefined;
	let attempts = 0;
	for (let offset = 0; offset < data.length && attempts < 64; offset++) {
		if (!firstBytes.has(data[offset]!)) {
			continue;
		}

		const compression = compressionAt(data, offset);
		if (!compression) {
			continue;
		}

		if (compression === 'bzip2' || compression === 'lzma' || compression === 'lzo') {
			unsupported.add(compression);
			continue;
		}

		attempts++;
		try {
			// eslint-disable-next-line no-await-in-loop
			const elf = await decodeAs(compression, data.subarray(offset), file, {...decoder, allowTrailing: true});
			if (isElf(elf)) {
				return result(elf, compression, offset, linuxBanner(elf));
			}
		} catch (error) {
			if (!(error instanceof InputError)) {
				throw error;
			}

			if (error.problem.startsWith('decompressed size exceeds')) {
				throw error;
			}

			firstError ??= error;
		}
	}

	if (unsupported.size > 0) {
		throw new InputError(file, `no usable kernel payload found (${[...unsupported].join(', ')} compression is not supported)`);
	}

	throw new InputError(file, firstError ? `no compressed ELF kernel found (first candidate: ${firstError.problem})` : 'no compressed kernel found (not a vmlinuz?)');
}
