// XXH32 (lz4 frame checksums) and XXH64 (zstd content checksums), seed 0.

const p32: readonly [number, number, number, number, number] = [2_654_435_761, 2_246_822_519, 3_266_489_917, 668_265_263, 374_761_393];
const rotl32 = (x: number, r: number) => ((x << r) | (x >>> (32 - r))) >>> 0;
const u32 = (data: Uint8Array, i: number) => (data[i]! | (data[i + 1]! << 8) | (data[i + 2]! << 16) | (data[i + 3]! << 24)) >>> 0;

export function xxh32(data: Uint8Array): number {
	const [p1, p2, p3, p4, p5] = p32;
	const round = (acc: number, input: number) => Math.imul(rotl32((acc + Math.imul(input, p2)) >>> 0, 13), p1) >>> 0;
	let i = 0;
	let h: number;
	if (data.length >= 16) {
		let v1 = (p1 + p2) >>> 0;
		let v2 = p2;
		let v3 = 0;
		let v4 = (0 - p1) >>> 0;
		for (; i + 16 <= data.length; i += 16) {
			v1 = round(v1, u32(data, i));
			v2 = round(v2, u32(data, i + 4));
			v3 = round(v3, u32(data, i + 8));
			v4 = round(v4, u32(data, i + 12));
		}

		h = (rotl32(v1, 1) + rotl32(v2, 7) + rotl32(v3, 12) + rotl32(v4, 18)) >>> 0;
	} else {
		h = p5;
	}

	h = (h + data.length) >>> 0;
	for (; i + 4 <= data.length; i += 4) {
		h = Math.imul(rotl32((h + Math.imul(u32(data, i), p3)) >>> 0, 17), p4) >>> 0;
	}

	for (; i < data.length; i++) {
		h = Math.imul(rotl32((h + Math.imul(data[i]!, p5)) >>> 0, 11), p1) >>> 0;
	}

	h = Math.imul(h ^ (h >>> 15), p2) >>> 0;
	h = Math.imul(h ^ (h >>> 13), p3) >>> 0;
	return (h ^ (h >>> 16)) >>> 0;
}

// XXH64 on pairs of 32-bit halves (BigInt is far too slow for a 65 MB kernel).
// Results go through these two registers to avoid allocating.
let rh = 0;
let rl = 0;

function mul64(ah: number, al: number, bh: number, bl: number): void {
	const a0 = al & 0xFF_FF;
	const a1 = al >>> 16;
	const b0 = bl & 0xFF_FF;
	const b1 = bl >>> 16;
	const p00 = a0 * b0;
	const p01 = a0 * b1;
	const p10 = a1 * b0;
	const mid = (p00 >>> 16) + (p01 & 0xFF_FF) + (p10 & 0xFF_FF);
	rl = (((mid & 0xFF_FF) << 16) | (p00 & 0xFF_FF)) >>> 0;
	const carry = (a1 * b1) + (p01 >>> 16) + (p10 >>> 16) + (mid >>> 16);
	rh = (carry + Math.imul(ah, bl) + Math.imul(al, bh)) >>> 0;
}

function add64(ah: number, al: number, bh: number, bl: number): void {
	const low = al + bl;
	rl = low >>> 0;
	rh = (ah + bh + (low > 0xFF_FF_FF_FF ? 1 : 0)) >>> 0;
}

function rotl64(h: number, l: number, r: number): void { // 0 < r < 32
	rh = ((h << r) | (l >>> (32 - r))) >>> 0;
	rl = ((l << r) | (h >>> (32 - r))) >>> 0;
}

const p1h = 0x9E_37_79_B1;
const p1l = 0x85_EB_CA_87;
const p2h = 0xC2_B2_AE_3D;
const p2l = 0x27_D4_EB_4F;
const p3h = 0x16_56_67_B1;
const p3l = 0x9E_37_79_F9;
const p4h = 0x85_EB_CA_77;
const p4l = 0xC2_B2_AE_63;
const p5h = 0x27_D4_EB_2F;
const p5l = 0x16_56_67_C5;

/** Acc = rotl(acc + input * P2, 31) * P1, into rh:rl. */
function round64(acch: number, accl: number, inh: number, inl: number): void {
	mul64(inh, inl, p2h, p2l);
	add64(acch, accl, rh, rl);
	rotl64(rh, rl, 31);
	mul64(rh, rl, p1h, p1l);
}

/** Low 32 bits of XXH64(data), which is what zstd stores. */
export function xxh64Low32(data: Uint8Array): number {
	let i = 0;
	if (data.length >= 32) {
		i = consumeStripes(data);
	} else {
		rh = p5h;
		rl = p5l;
	}

	add64(rh, rl, Math.floor(data.length / 0x1_00_00_00_00), data.length >>> 0);
	consumeTail(data, i, rh, rl);
	return avalanche(rh, rl);
}

/**
The 32-byte stripes, each word into one of four lanes, then the lanes merged into one
accumulator, left in rh:rl. Returns where the stripes end.
*/
function consumeStripes(data: Uint8Array): number {
	add64(p1h, p1l, p2h, p2l);
	let v1h = rh;
	let v1l = rl;
	let v2h: number = p2h;
	let v2l: number = p2l;
	let v3h = 0;
	let v3l = 0;
	// -P1 mod 2^64 (its low half is not zero, so no carry into the high half)
	let v4l = (0 - p1l) >>> 0;
	let v4h = (~p1h) >>> 0;
	let i = 0;
	for (; i + 32 <= data.length; i += 32) {
		round64(v1h, v1l, u32(data, i + 4), u32(data, i));
		v1h = rh;
		v1l = rl;
		round64(v2h, v2l, u32(data, i + 12), u32(data, i + 8));
		v2h = rh;
		v2l = rl;
		round64(v3h, v3l, u32(data, i + 20), u32(data, i + 16));
		v3h = rh;
		v3l = rl;
		round64(v4h, v4l, u32(data, i + 28), u32(data, i + 24));
		v4h = rh;
		v4l = rl;
	}

	rotl64(v1h, v1l, 1);
	let hh = rh;
	let hl = rl;
	for (const [vh, vl, r] of [[v2h, v2l, 7], [v3h, v3l, 12], [v4h, v4l, 18]] as const) {
		rotl64(vh, vl, r);
		add64(hh, hl, rh, rl);
		hh = rh;
		hl = rl;
	}

	for (const [vh, vl] of [[v1h, v1l], [v2h, v2l], [v3h, v3l], [v4h, v4l]] as const) {
		round64(0, 0, vh, vl);
		hh = (hh ^ rh) >>> 0;
		hl = (hl ^ rl) >>> 0;
		mul64(hh, hl, p1h, p1l);
		add64(rh, rl, p4h, p4l);
		hh = rh;
		hl = rl;
	}

	return i;
}

/** The bytes after the stripes into the accumulator hh:hl: 8 at a time, then 4, then one by one; into rh:rl. */
function consumeTail(data: Uint8Array, start: number, hh: number, hl: number): void {
	let i = start;
	for (; i + 8 <= data.length; i += 8) {
		round64(0, 0, u32(data, i + 4), u32(data, i));
		hh = (hh ^ rh) >>> 0;
		hl = (hl ^ rl) >>> 0;
		rotl64(hh, hl, 27);
		mul64(rh, rl, p1h, p1l);
		add64(rh, rl, p4h, p4l);
		hh = rh;
		hl = rl;
	}

	if (i + 4 <= data.length) {
		mul64(0, u32(data, i), p1h, p1l);
		hh = (hh ^ rh) >>> 0;
		hl = (hl ^ rl) >>> 0;
		rotl64(hh, hl, 23);
		mul64(rh, rl, p2h, p2l);
		add64(rh, rl, p3h, p3l);
		hh = rh;
		hl = rl;
		i += 4;
	}

	for (; i < data.length; i++) {
		mul64(0, data[i]!, p5h, p5l);
		hh = (hh ^ rh) >>> 0;
		hl = (hl ^ rl) >>> 0;
		rotl64(hh, hl, 11);
		mul64(rh, rl, p1h, p1l);
		hh = rh;
		hl = rl;
	}

	rh = hh;
	rl = hl;
}

/** h ^= h >> 33; h *= P2; h ^= h >> 29; h *= P3; h ^= h >> 32, and the low half of that. */
function avalanche(hh: number, hl: number): number {
	hl = (hl ^ (hh >>> 1)) >>> 0;
	mul64(hh, hl, p2h, p2l);
	hh = rh;
	hl = rl;
	hl = (hl ^ ((hl >>> 29) | (hh << 3))) >>> 0;
	hh = (hh ^ (hh >>> 29)) >>> 0;
	mul64(hh, hl, p3h, p3l);
	return (rl ^ rh) >>> 0;
}
