// CRC-64/XZ (ECMA-182 polynomial, reflected), kept as two 32-bit halves for speed.
const tableLow = new Uint32Array(256);
const tableHigh = new Uint32Array(256);
for (let n = 0; n < 256; n++) {
	let low = n;
	let high = 0;
	for (let bit = 0; bit < 8; bit++) {
		const carry = low & 1;
		low = ((low >>> 1) | (high << 31)) >>> 0;
		high >>>= 1;
		if (carry) {
			low = (low ^ 0xD7_87_0F_42) >>> 0;
			high = (high ^ 0xC9_6C_57_95) >>> 0;
		}
	}

	tableLow[n] = low;
	tableHigh[n] = high;
}

/** CRC-64 of `data` as 8 little-endian bytes, the way xz stores it. */
export function crc64(data: Uint8Array): Uint8Array {
	let low = 0xFF_FF_FF_FF;
	let high = 0xFF_FF_FF_FF;
	for (const byte of data) {
		const index = (low ^ byte) & 0xFF;
		low = (((low >>> 8) | (high << 24)) ^ tableLow[index]!) >>> 0;
		high = ((high >>> 8) ^ tableHigh[index]!) >>> 0;
	}

	low = (low ^ 0xFF_FF_FF_FF) >>> 0;
	high = (high ^ 0xFF_FF_FF_FF) >>> 0;
	const result = new Uint8Array(8);
	const view = new DataView(result.buffer);
	view.setUint32(0, low, true);
	view.setUint32(4, high, true);
	return result;
}
