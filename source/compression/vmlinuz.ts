import {InputError} from '../common/input-error.js';
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

const isElf = (data: Uint8Array) => data[0] === 0x7F && data[1] === 0x45 && data[2] === 0x4C && data[3] === 0x46;

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

/** The "Linux version …" banner in the decompressed kernel, for images without a setup header. */
function bannerVersion(elf: Uint8Array): string | undefined {
	const needle = Buffer.from('Linux version ');
	const index = Buffer.from(elf.buffer, elf.byteOffset, elf.byteLength).indexOf(needle);
	if (index < 0) {
		return undefined;
	}

	return cString(elf, index + needle.length, 512)?.split('\n')[0];
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

		return result(elf, compression, payloadOffset, headerVersion(data) ?? bannerVersion(elf));
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
				return result(elf, compression, offset, bannerVersion(elf));
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
