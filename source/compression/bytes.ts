// Little-endian field access; every format here stores its integers little-endian.

export const u16 = (data: Uint8Array, offset: number) => data[offset]! | (data[offset + 1]! << 8);

export const u32 = (data: Uint8Array, offset: number) =>
	(data[offset]! | (data[offset + 1]! << 8) | (data[offset + 2]! << 16)) + (data[offset + 3]! * 0x1_00_00_00);

export function writeU32(target: Uint8Array, offset: number, value: number): void {
	target[offset] = value & 0xFF;
	target[offset + 1] = (value >>> 8) & 0xFF;
	target[offset + 2] = (value >>> 16) & 0xFF;
	target[offset + 3] = (value >>> 24) & 0xFF;
}
