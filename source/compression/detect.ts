export type Compression = 'gzip' | 'xz' | 'zstd' | 'lz4' | 'bzip2' | 'lzma' | 'lzo';

type Magic = {compression: Compression; bytes: readonly number[]};

/**
Magic numbers, checked in this order. Only formats whose magic is long enough to be
trusted inside arbitrary data are listed; the weak ones (lzma: a properties byte, bzip2:
"BZh") get an extra plausibility check in `matchesAt`.
*/
export const magics: readonly Magic[] = [
	{compression: 'gzip', bytes: [0x1F, 0x8B, 0x08]},
	{compression: 'xz', bytes: [0xFD, 0x37, 0x7A, 0x58, 0x5A, 0x00]},
	{compression: 'zstd', bytes: [0x28, 0xB5, 0x2F, 0xFD]},
	{compression: 'lz4', bytes: [0x02, 0x21, 0x4C, 0x18]}, // Legacy frame (`lz4 -l`, the kernel's)
	{compression: 'lz4', bytes: [0x04, 0x22, 0x4D, 0x18]}, // Frame format
	{compression: 'bzip2', bytes: [0x42, 0x5A, 0x68]}, // "BZh"
	{compression: 'lzma', bytes: [0x5D, 0x00, 0x00]},
	{compression: 'lzo', bytes: [0x89, 0x4C, 0x5A, 0x4F, 0x00, 0x0D, 0x0A, 0x1A, 0x0A]}, // Lzop
];

function bytesAt(data: Uint8Array, offset: number, bytes: readonly number[]): boolean {
	if (offset + bytes.length > data.length) {
		return false;
	}

	for (const [index, byte] of bytes.entries()) {
		if (data[offset + index] !== byte) {
			return false;
		}
	}

	return true;
}

/** The compression whose magic starts at `offset`, if any. */
export function compressionAt(data: Uint8Array, offset: number): Compression | undefined {
	for (const magic of magics) {
		if (!bytesAt(data, offset, magic.bytes)) {
			continue;
		}

		if (magic.compression === 'bzip2') {
			// Block size digit '1'..'9'; "BZh" alone is too common in text.
			const level = data[offset + 3] ?? 0;
			if (level < 0x31 || level > 0x39) {
				continue;
			}
		}

		if (magic.compression === 'lzma' && offset + 13 > data.length) {
			continue; // Shorter than the 13-byte .lzma header
		}

		return magic.compression;
	}

	return undefined;
}

/** Detect the compression of `data` by its magic bytes (never by file name). */
export function detectCompression(data: Uint8Array): Compression | undefined {
	return compressionAt(data, 0);
}
