const bytes = Array.from({length: 256}, (_, byte) => byte.toString(16).padStart(2, '0'));

/**
CRCs are printed the way modprobe --dump-modversions and Module.symvers print them. A table
lookup per byte: a scan of 4,000 modules formats over half a million CRCs.
*/
export function formatCrc(crc: number): string {
	return '0x' + bytes[crc >>> 24]! + bytes[(crc >>> 16) & 0xff]! + bytes[(crc >>> 8) & 0xff]! + bytes[crc & 0xff]!;
}
