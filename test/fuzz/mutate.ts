import {trailingWords} from '../../source/btf/btf-kind.js';

/*
Mutations for the fuzzer: generic byte-level ones and format-aware ones (ELF section tables,
BTF headers and records, symtypes and Module.symvers lines). Every mutation is driven by a
seeded PRNG, so a case is reproducible from (seed, case index) alone.
*/

/** Mulberry32: small, fast, good enough for fuzzing; fully determined by its seed. */
export class Rng {
	private state: number;

	constructor(seed: number) {
		this.state = seed >>> 0;
	}

	next(): number {
		this.state = (this.state + 0x6D_2B_79_F5) | 0;
		let t = this.state;
		t = Math.imul(t ^ (t >>> 15), t | 1);
		t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
		return (t ^ (t >>> 14)) >>> 0;
	}

	/** Integer in [0, n). */
	int(n: number): number {
		if (n <= 0) return 0;
		return n <= 0x1_00_00_00_00 ? this.next() % n : Math.floor((this.next() / 0x1_00_00_00_00) * n);
	}

	chance(p: number): boolean {
		return this.next() / 0x1_00_00_00_00 < p;
	}

	pick<T>(items: readonly T[]): T {
		return items[this.int(items.length)]!;
	}
}

/** The PRNG seed of one case: a hash of the run's seed and the case index. */
export function caseSeed(seed: number, index: number): number {
	let h = Math.imul(seed ^ 0x9E_37_79_B9, 0x85_EB_CA_6B) ^ Math.imul(index + 1, 0xC2_B2_AE_35);
	h ^= h >>> 16;
	h = Math.imul(h, 0x7F_EB_35_2D);
	h ^= h >>> 15;
	return h >>> 0;
}

/** Values that break length and offset arithmetic. */
export function interesting(rng: Rng, fileLength: number): number {
	return rng.pick([
		0, 1, 2, 3, 4, 7, 8, 0x7F, 0x80, 0xFF, 0x100, 0xFFFF, 0x1_0000, 0x7FFF_FFFF, 0x8000_0000, 0xFFFF_FFFF,
		0xFFFF_FFFE, fileLength, fileLength + 1, fileLength - 1, Math.max(0, fileLength - 4), fileLength * 2, 0x1000_0000,
		rng.next(),
	]) >>> 0;
}

export type Endian = {little: boolean};

function setU32(data: Uint8Array, at: number, value: number, little: boolean): void {
	if (at < 0 || at + 4 > data.length) return;
	new DataView(data.buffer, data.byteOffset, data.byteLength).setUint32(at, value >>> 0, little);
}

function setU16(data: Uint8Array, at: number, value: number, little: boolean): void {
	if (at < 0 || at + 2 > data.length) return;
	new DataView(data.buffer, data.byteOffset, data.byteLength).setUint16(at, value & 0xFF_FF, little);
}

function setU64(data: Uint8Array, at: number, value: bigint, little: boolean): void {
	if (at < 0 || at + 8 > data.length) return;
	new DataView(data.buffer, data.byteOffset, data.byteLength).setBigUint64(at, BigInt.asUintN(64, value), little);
}

function getU32(data: Uint8Array, at: number, little: boolean): number {
	if (at < 0 || at + 4 > data.length) return 0;
	return new DataView(data.buffer, data.byteOffset, data.byteLength).getUint32(at, little);
}

// ---- generic ---------------------------------------------------------------------------------

export function flipBits(data: Uint8Array, rng: Rng): Uint8Array {
	const out = new Uint8Array(data);
	const flips = 1 + rng.int(8);
	for (let i = 0; i < flips && out.length > 0; i++) {
		out[rng.int(out.length)]! ^= 1 << rng.int(8);
	}

	return out;
}

export function setBytes(data: Uint8Array, rng: Rng): Uint8Array {
	const out = new Uint8Array(data);
	const count = 1 + rng.int(16);
	for (let i = 0; i < count && out.length > 0; i++) {
		out[rng.int(out.length)] = rng.pick([0, 0xFF, 0x7F, 0x80, 0x0A, 0x09, 0x20, rng.int(256)]);
	}

	return out;
}

export function truncate(data: Uint8Array, rng: Rng): Uint8Array {
	if (data.length === 0) return data;
	const cut = rng.pick([rng.int(data.length), rng.int(Math.min(data.length, 4096)), data.length - 1 - rng.int(Math.min(data.length, 64))]);
	return data.slice(0, Math.max(0, cut));
}

export function overwriteWord(data: Uint8Array, rng: Rng): Uint8Array {
	const out = new Uint8Array(data);
	const width = rng.pick([2, 4, 8]);
	if (out.length < width) return out;
	const at = rng.int(out.length - width + 1) & ~(rng.chance(0.8) ? width - 1 : 0);
	const little = rng.chance(0.5);
	const value = interesting(rng, data.length);
	if (width === 2) setU16(out, at, value, little);
	else if (width === 4) setU32(out, at, value, little);
	else setU64(out, at, rng.chance(0.5) ? BigInt(value) : BigInt(value) << 32n, little);
	return out;
}

export function deleteChunk(data: Uint8Array, rng: Rng): Uint8Array {
	if (data.length < 2) return data;
	const start = rng.int(data.length);
	const length = 1 + rng.int(Math.min(data.length - start, rng.pick([8, 64, 4096])));
	return concat(data.subarray(0, start), data.subarray(start + length));
}

export function insertChunk(data: Uint8Array, rng: Rng): Uint8Array {
	const at = rng.int(data.length + 1);
	const length = 1 + rng.int(rng.pick([8, 64, 1024]));
	const chunk = new Uint8Array(length);
	const fill = rng.pick(['zero', 'random', 'byte']);
	if (fill === 'random') for (let i = 0; i < length; i++) chunk[i] = rng.int(256);
	else if (fill === 'byte') chunk.fill(rng.int(256));
	return concat(data.subarray(0, at), chunk, data.subarray(at));
}

/** Copy a chunk of the file over another place (duplicated and overlapping structures). */
export function duplicateChunk(data: Uint8Array, rng: Rng): Uint8Array {
	if (data.length < 2) return data;
	const out = new Uint8Array(data);
	const from = rng.int(data.length);
	const length = 1 + rng.int(Math.min(data.length - from, rng.pick([16, 64, 512, 8192])));
	const to = rng.int(data.length);
	out.set(data.subarray(from, from + Math.min(length, data.length - to)), to);
	return out;
}

export function splice(data: Uint8Array, other: Uint8Array, rng: Rng): Uint8Array {
	const a = rng.int(data.length + 1);
	const b = rng.int(other.length + 1);
	return concat(data.subarray(0, a), other.subarray(b));
}

export function concat(...parts: Uint8Array[]): Uint8Array {
	const length = parts.reduce((sum, part) => sum + part.length, 0);
	const out = new Uint8Array(length);
	let at = 0;
	for (const part of parts) {
		out.set(part, at);
		at += part.length;
	}

	return out;
}

export const genericMutators = [flipBits, setBytes, truncate, overwriteWord, deleteChunk, insertChunk, duplicateChunk];

export function mutateGeneric(data: Uint8Array, rng: Rng): Uint8Array {
	return rng.pick(genericMutators)(data, rng);
}

// ---- ELF ---------------------------------------------------------------------------------------

type ElfLayout = {
	is64: boolean;
	little: boolean;
	shoff: number;
	shentsize: number;
	shnum: number;
	shstrndx: number;
	sections: Array<{header: number; type: number; offset: number; size: number; link: number}>;
};

export function elfLayout(data: Uint8Array): ElfLayout | undefined {
	if (data.length < 64 || data[0] !== 0x7F || data[1] !== 0x45 || data[2] !== 0x4C || data[3] !== 0x46) return undefined;
	const is64 = data[4] === 2;
	const little = data[5] !== 2;
	const view = new DataView(data.buffer, data.byteOffset, data.byteLength);
	const shoff = is64 ? Number(view.getBigUint64(0x28, little)) : view.getUint32(0x20, little);
	const shentsize = view.getUint16(is64 ? 0x3A : 0x2E, little);
	const shnum = view.getUint16(is64 ? 0x3C : 0x30, little);
	const shstrndx = view.getUint16(is64 ? 0x3E : 0x32, little);
	if (shentsize === 0 || shoff + (shnum * shentsize) > data.length) return undefined;
	const sections: ElfLayout['sections'] = [];
	for (let index = 0; index < shnum; index++) {
		const header = shoff + (index * shentsize);
		sections.push(is64
			? {header, type: view.getUint32(header + 4, little), offset: Number(view.getBigUint64(header + 0x18, little)), size: Number(view.getBigUint64(header + 0x20, little)), link: view.getUint32(header + 0x28, little)}
			: {header, type: view.getUint32(header + 4, little), offset: view.getUint32(header + 0x10, little), size: view.getUint32(header + 0x14, little), link: view.getUint32(header + 0x18, little)});
	}

	return {is64, little, shoff, shentsize, shnum, shstrndx, sections};
}

/** Section-table and string-table corruption, length inflation, duplicated and overlapping sections. */
// eslint-disable-next-line max-lines-per-function -- one switch over the mutation kinds, each a few lines; split, the kinds' weights would sit apart from them.
export function mutateElf(data: Uint8Array, rng: Rng): Uint8Array {
	const layout = elfLayout(data);
	if (!layout || layout.sections.length < 2) return mutateGeneric(data, rng);
	const out = new Uint8Array(data);
	const {is64, little, sections} = layout;
	const field = (at: number, value: number) => (is64 ? setU64(out, at, BigInt(value), little) : setU32(out, at, value, little));
	const section = rng.pick(sections.slice(1));
	const other = rng.pick(sections);
	const h = section.header;
	switch (rng.int(14)) {
		case 0: { // E_shnum / e_shstrndx / e_shentsize
			const at = rng.pick(is64 ? [0x3C, 0x3E, 0x3A, 0x38, 0x36] : [0x30, 0x32, 0x2E, 0x2C, 0x2A]);
			setU16(out, at, rng.pick([0, 1, 0xFF00, 0xFFFF, layout.shnum + 1, layout.shnum * 2, rng.int(0x1_0000)]), little);
			break;
		}

		case 1: { // E_shoff / e_phoff
			field(is64 ? rng.pick([0x28, 0x20]) : rng.pick([0x20, 0x1C]), interesting(rng, data.length));
			break;
		}

		case 2: { // Sh_size
			field(h + (is64 ? 0x20 : 0x14), rng.pick([interesting(rng, data.length), Math.max(0, data.length - section.offset), section.size * 2, section.size + 1]));
			break;
		}

		case 3: { // Sh_offset
			field(h + (is64 ? 0x18 : 0x10), rng.pick([interesting(rng, data.length), other.offset, Math.max(0, data.length - section.size), section.offset + 1]));
			break;
		}

		case 4: { // Sh_link / sh_info
			setU32(out, h + (is64 ? rng.pick([0x28, 0x2C]) : rng.pick([0x18, 0x1C])), rng.pick([0, 1, layout.shnum, layout.shnum - 1, 0xFFFF, 0xFFFF_FFFF, section.header === h ? sections.indexOf(section) : 0, rng.int(layout.shnum)]), little);
			break;
		}

		case 5: { // Sh_type
			setU32(out, h + 4, rng.pick([0, 2, 3, 4, 8, 9, 11, 18, 0x7000_0000, rng.next()]), little);
			break;
		}

		case 6: { // Duplicate a section header over another (duplicated names, same data twice)
			out.copyWithin(h, other.header, other.header + layout.shentsize);
			break;
		}

		case 7: { // Overlap: point a section at another's data
			field(h + (is64 ? 0x18 : 0x10), other.offset);
			if (rng.chance(0.5)) field(h + (is64 ? 0x20 : 0x14), other.size);
			break;
		}

		case 8: { // NUL-less strings: the names, .strtab, .modinfo, __versions
			const strtabs = sections.filter(s => s.type === 3 || s.type === 1);
			const target = rng.pick(strtabs.length > 0 ? strtabs : sections);
			if (target.offset + target.size <= out.length) {
				const start = target.offset + rng.int(Math.max(1, target.size));
				const end = rng.chance(0.3) ? target.offset + target.size : Math.min(target.offset + target.size, start + 1 + rng.int(256));
				for (let at = start; at < end; at++) if (out[at] === 0) out[at] = 0x41;
			}

			break;
		}

		case 9: { // Sh_name out of range
			setU32(out, h, interesting(rng, data.length), little);
			break;
		}

		case 10: { // Symbol table entries: st_name, st_shndx, st_info, st_value
			const symtab = sections.find(s => s.type === 2);
			if (symtab && symtab.offset + symtab.size <= out.length) {
				const entry = is64 ? 24 : 16;
				const count = Math.floor(symtab.size / entry);
				for (let i = 0, n = 1 + rng.int(8); i < n && count > 0; i++) {
					const base = symtab.offset + (rng.int(count) * entry);
					const which = rng.int(4);
					if (which === 0) setU32(out, base, interesting(rng, data.length), little);
					else if (which === 1) setU16(out, base + (is64 ? 6 : 14), rng.pick([0, 0xFFF1, 0xFFF2, 0xFFFF, 0xFF00, layout.shnum, rng.int(0x1_0000)]), little);
					else if (which === 2) out[base + (is64 ? 4 : 12)] = rng.int(256);
					else field(base + (is64 ? 8 : 4), interesting(rng, data.length));
				}
			}

			break;
		}

		case 11: { // Relocations: r_info symbol index and type, r_offset
			const relocs = sections.filter(s => s.type === 4 || s.type === 9);
			if (relocs.length > 0) {
				const rel = rng.pick(relocs);
				const entry = is64 ? (rel.type === 4 ? 24 : 16) : (rel.type === 4 ? 12 : 8);
				const count = Math.floor(rel.size / entry);
				for (let i = 0, n = 1 + rng.int(8); i < n && count > 0; i++) {
					const base = rel.offset + (rng.int(count) * entry);
					if (rng.chance(0.5)) {
						if (is64) setU64(out, base + 8, (BigInt(interesting(rng, data.length)) << 32n) | BigInt(rng.int(64)), little);
						else setU32(out, base + 4, ((interesting(rng, data.length) << 8) | rng.int(64)) >>> 0, little);
					} else {
						field(base, interesting(rng, data.length));
					}
				}
			}

			break;
		}

		case 12: { // Sh_entsize
			field(h + (is64 ? 0x38 : 0x24), interesting(rng, data.length));
			break;
		}

		default: { // Signature trailer: sig_len, signer_len, key_id_len
			const trailer = out.length - 28 - 12;
			if (trailer > 0) {
				if (rng.chance(0.5)) setU32(out, trailer + 8, interesting(rng, data.length), false);
				else out[trailer + rng.int(8)] = rng.int(256);
			}

			break;
		}
	}

	return out;
}

// ---- BTF ---------------------------------------------------------------------------------------

type BtfLayout = {little: boolean; hdrLength: number; typeStart: number; typeLength: number; strStart: number; strLength: number; records: number[]};

export function btfLayout(data: Uint8Array): BtfLayout | undefined {
	if (data.length < 24) return undefined;
	const little = data[0] === 0x9F && data[1] === 0xEB;
	if (!little && !(data[0] === 0xEB && data[1] === 0x9F)) return undefined;
	const hdrLength = getU32(data, 4, little);
	const typeStart = hdrLength + getU32(data, 8, little);
	const typeLength = getU32(data, 12, little);
	const strStart = hdrLength + getU32(data, 16, little);
	const strLength = getU32(data, 20, little);
	if (typeStart + typeLength > data.length) return undefined;
	const records: number[] = [];
	for (let at = typeStart; at + 12 <= typeStart + typeLength;) {
		records.push(at);
		const info = getU32(data, at + 4, little);
		at += 12 + (4 * trailingWords((info >>> 24) & 0x1F, info & 0xFF_FF));
	}

	return {little, hdrLength, typeStart, typeLength, strStart, strLength, records};
}

/** Header lengths, vlen inflation, kinds, and reference cycles (self, mutual, through members). */
export function mutateBtf(data: Uint8Array, rng: Rng): Uint8Array {
	const layout = btfLayout(data);
	if (!layout || layout.records.length < 2) return mutateGeneric(data, rng);
	const out = new Uint8Array(data);
	const {little, records} = layout;
	const index = rng.int(records.length);
	const at = records[index]!;
	const id = index + 1;
	const info = getU32(out, at + 4, little);
	const kind = (info >>> 24) & 0x1F;
	const vlen = info & 0xFF_FF;
	const otherId = 1 + rng.int(records.length);
	const cycleTarget = rng.pick([id, otherId, Math.max(1, id - 1), Math.max(1, id - 2 - rng.int(8))]);
	switch (rng.int(10)) {
		case 0: { // Header lengths and offsets
			const field = rng.pick([4, 8, 12, 16, 20]);
			setU32(out, field, rng.pick([interesting(rng, data.length), getU32(data, field, little) + 4, getU32(data, field, little) - 4, getU32(data, field, little) + 1]), little);
			break;
		}

		case 1: { // Vlen: huge counts
			setU32(out, at + 4, (info & 0xFF_FF_00_00) | rng.pick([0xFF_FF, vlen + 1, vlen * 2, 0x8000]), little);
			break;
		}

		case 2: { // Kind (and kind_flag)
			setU32(out, at + 4, ((rng.pick([rng.int(32), 2, 4, 5, 8, 10, 13, 19]) << 24) | (info & 0xFF_FF) | (rng.chance(0.3) ? 0x8000_0000 : 0)) >>> 0, little);
			break;
		}

		case 3: { // Reference cycle in size_or_type (PTR/TYPEDEF/CONST/FUNC chains)
			setU32(out, at + 8, cycleTarget, little);
			break;
		}

		case 4: { // Member / parameter / array element referring back (by-value cycles)
			if ((kind === 4 || kind === 5) && vlen > 0) setU32(out, at + 12 + (12 * rng.int(vlen)) + 4, cycleTarget, little);
			else if (kind === 13 && vlen > 0) setU32(out, at + 12 + (8 * rng.int(vlen)) + 4, cycleTarget, little);
			else if (kind === 3) setU32(out, at + 12, cycleTarget, little);
			else setU32(out, at + 8, cycleTarget, little);
			break;
		}

		case 5: { // Anonymous struct embedding itself (name 0, member type = self)
			if ((kind === 4 || kind === 5) && vlen > 0) {
				setU32(out, at, 0, little);
				const member = at + 12 + (12 * rng.int(vlen));
				setU32(out, member, 0, little);
				setU32(out, member + 4, id, little);
			}

			break;
		}

		case 6: { // Name offsets and member names out of range
			const target = rng.chance(0.5) || vlen === 0 ? at : at + 12 + (4 * rng.int(trailingWords(kind, vlen) || 1));
			setU32(out, target, rng.pick([layout.strLength - 1, layout.strLength, interesting(rng, data.length)]), little);
			break;
		}

		case 7: { // NUL-less strings
			const start = layout.strStart + rng.int(Math.max(1, layout.strLength));
			const end = rng.chance(0.2) ? layout.strStart + layout.strLength : start + rng.int(128);
			for (let i = start; i < Math.min(end, out.length); i++) if (out[i] === 0) out[i] = 0x61;
			break;
		}

		case 8: { // Array nelems / bitfield offsets / int encoding
			if (kind === 3) setU32(out, at + 20, interesting(rng, data.length), little);
			else if ((kind === 4 || kind === 5) && vlen > 0) setU32(out, at + 12 + (12 * rng.int(vlen)) + 8, interesting(rng, data.length), little);
			else if (kind === 1) setU32(out, at + 12, rng.next(), little);
			else setU32(out, at + 8, interesting(rng, data.length), little);
			break;
		}

		default: { // Ids past the end
			setU32(out, at + 8, records.length + rng.pick([0, 1, 1000, 0x7FFF_FFFF]), little);
			break;
		}
	}

	return out;
}

// ---- text (symtypes, Module.symvers) -----------------------------------------------------------

const latin1 = (data: Uint8Array) => Buffer.from(data.buffer, data.byteOffset, data.byteLength).toString('latin1');
const bytes = (text: string) => new Uint8Array(Buffer.from(text, 'latin1'));

export function mutateLines(data: Uint8Array, rng: Rng, extra: (lines: string[], rng: Rng) => void): Uint8Array {
	const lines = latin1(data).split('\n');
	const line = rng.int(lines.length);
	switch (rng.int(9)) {
		case 0: {
			lines.splice(line, 1);
			break;
		}

		case 1: {
			lines.splice(rng.int(lines.length), 0, lines[line]!);
			break;
		}

		case 2: {
			const other = rng.int(lines.length);
			[lines[line], lines[other]] = [lines[other]!, lines[line]!];
			break;
		}

		case 3: {
			lines[line] = lines[line]!.slice(0, rng.int(lines[line]!.length + 1));
			break;
		}

		case 4: {
			return bytes(lines.join(rng.pick(['\r\n', '\n\n', '\r', ' \n', '\t\n'])));
		}

		case 5: { // Very long line
			lines[line] = lines[line]!.repeat(1 + rng.int(rng.pick([4, 200, 5000])));
			break;
		}

		case 6: { // Insert odd characters
			const text = lines[line]!;
			const at = rng.int(text.length + 1);
			lines[line] = text.slice(0, at) + rng.pick(['\0', '\t', '"', '\'', '#', ' ', '\u00FF', '\u0085', '\u2028', '{', '}', '/*', '*/']) + text.slice(at);
			break;
		}

		default: {
			extra(lines, rng);
			break;
		}
	}

	return bytes(lines.join('\n'));
}

const symtypesKey = (line: string) => line.split(' ')[0] ?? '';

/** Cycles, deep chains, undefined references, overrides, sections, opaque declarations. */
export function mutateSymtypes(data: Uint8Array, rng: Rng): Uint8Array {
	if (rng.chance(0.3)) return mutateGeneric(data, rng);
	return mutateLines(data, rng, (lines, rng) => {
		const defined = lines.map((line, index) => ({key: symtypesKey(line), index})).filter(({key}) => key !== '');
		if (defined.length === 0) return;
		const {key, index} = rng.pick(defined);
		const types = defined.filter(entry => entry.key[1] === '#');
		const exports = defined.filter(entry => entry.key[1] !== '#' && !entry.key.startsWith('/*'));
		switch (rng.int(9)) {
			case 0: { // Self cycle
				if (key[1] === '#') lines[index] = `${lines[index]!.trimEnd()} ${key} `;
				break;
			}

			case 1: { // Mutual cycle between two typedefs/structs
				if (types.length >= 2) {
					const a = rng.pick(types);
					const b = rng.pick(types);
					lines[a.index] = `${lines[a.index]!.trimEnd()} ${b.key} `;
					lines[b.index] = `${lines[b.index]!.trimEnd()} ${a.key} `;
				}

				break;
			}

			case 2: { // Deep chain of distinct typedefs hanging off an export
				const depth = rng.pick([100, 5000, 20_000]);
				const target = exports.length > 0 ? rng.pick(exports) : {key, index};
				const prefix = `t#fz${rng.int(1000)}_`;
				lines[target.index] = `${lines[target.index]!.trimEnd()} ${prefix}0 `;
				for (let i = 0; i < depth; i++) lines.push(`${prefix}${i} int ${i + 1 < depth ? `${prefix}${i + 1}` : 'x'} `);
				if (rng.chance(0.5)) lines.push(`${prefix}${depth} ${prefix}0 `); // ... and close the loop
				break;
			}

			case 3: { // A reference to something undefined
				lines[index] = `${lines[index]!.trimEnd()} ${rng.pick(['t#', 's#', 'u#', 'e#', 'E#', 'x#'])}${rng.pick(['nowhere', '', '\'q u\'', key.slice(2)])} `;
				break;
			}

			case 4: {
				lines[index] = `override ${lines[index]!}`;
				break;
			}

			case 5: { // Consolidated-file section headers
				lines.splice(index, 0, rng.pick(['/* a.symtypes */', '/* */', '/*', '/* b.symtypes */']));
				break;
			}

			case 6: { // Opaque declarations
				lines.splice(index, 0, `${rng.pick(['s', 'u', 'e', 't', 'E'])}##${key.slice(2) || 'foo'}${rng.chance(0.3) ? ' extra' : ''}`);
				break;
			}

			case 7: { // Key without a definition, or only `extern`
				lines[index] = rng.pick([key, `${key} extern`, 'override', `override ${key}`]);
				break;
			}

			default: { // Unbalanced braces and quotes
				lines[index] = `${lines[index]!} ${rng.pick(['{', '}', '"', '( (', ') )', '{ {', '} }'])}`;
				break;
			}
		}
	});
}

/** Column edits of Module.symvers lines. */
export function mutateSymvers(data: Uint8Array, rng: Rng): Uint8Array {
	if (rng.chance(0.25)) return mutateGeneric(data, rng);
	return mutateLines(data, rng, (lines, rng) => {
		const line = rng.int(lines.length);
		const fields = lines[line]!.split('\t');
		switch (rng.int(7)) {
			case 0: {
				fields.splice(rng.int(fields.length + 1), 0, rng.pick(['', 'EXPORT_SYMBOL', 'vmlinux', 'NS']));
				break;
			}

			case 1: {
				fields.splice(rng.int(fields.length), 1);
				break;
			}

			case 2: {
				fields[0] = rng.pick(['0x', '0x12345678901234567', '0xZZ', '12345678', '0x-1', `0x${'f'.repeat(16)}`, '']);
				break;
			}

			case 3: {
				fields[1] = rng.pick(['', ' ', 'a'.repeat(10_000), fields[1] ?? '', '\u00E9']);
				break;
			}

			case 4: { // Duplicate names
				lines.push(lines[line]!, lines[line]!);
				return;
			}

			case 5: {
				fields[fields.length - 1] = rng.pick(['EXPORT_SYMBOL_GPL_FUTURE', 'EXPORT_SYMBOL_', 'export_symbol', '', 'EXPORT_UNUSED_SYMBOL']);
				break;
			}

			default: {
				fields[rng.int(fields.length)] = '';
				break;
			}
		}

		lines[line] = fields.join('\t');
	});
}

// ---- Makefiles (a kernel source tree's flags) ------------------------------------------------------

/** Stands for a unique absolute path in each case: the target replaces it, and checks nothing was created there. */
export const canaryPlaceholder = '@CANARY@';

// Repeated entries weigh the draw towards lines kmodx reads for drivers/char/misc.c (ccflags-m and another object's flags it must ignore).
const flagAssignments = ['ccflags-y', 'ccflags-y', 'ccflags-y', 'subdir-ccflags-y', 'CFLAGS_misc.o', 'asflags-y', 'EXTRA_CFLAGS', 'ccflags-$(CONFIG_64BIT)', 'AFLAGS_misc.o', 'ccflags-m', 'CFLAGS_other.o'];
const flagOperators = [' += ', ' := ', '=', '\t+=\t', ' = '];
const pathOptions = ['-I', '-I', '-include', '-iquote', '-I ', '-include ', '-iquote '];
const flagPrefixes = ['$(srctree)/', '$(srctree)/', '$(src)/', '$(src)/', '$(obj)/', '$(srctree)/$(src)/', '${srctree}/', '', '', '/', './', '../', '$(srctree)/include/', '$(FOO)/', '$(srctree)', '$(src)'];
const flagPaths = ['drivers/char', 'drivers/char', 'include/linux', 'include/linux', 'drivers/char/misc.h', 'x.h', '../../..', '../../../../etc/passwd', '/etc/passwd', canaryPlaceholder, 'a b', '', 'drivers/../..', 'include/../../../tmp'];
const macroOptions = ['-D', '-D', '-D ', '-U'];
const macroNames = ['DEBUG', 'DEFAULT_SYMBOL_NAMESPACE', 'pr_fmt(fmt)', 'X', '1X', ''];
const macroValues = ['=1', '=\'"NS"\'', '="x"', '=KBUILD_MODNAME', '=\'KBUILD_MODNAME ": " fmt\'', '=$(FOO)', '=$(src)', '=', '=a,b', '=-x'];
const otherFlags = ['-isystem', '-Wp,-MD,', '-Wall', '$(call cc-option,-x)', '', '-fno-strict-aliasing'];
const c = canaryPlaceholder;
/** Every way a make variable's value could reach make or the shell as code; each tries to create the canary. */
const flagPayloads = [
	`\`touch ${c}\``, `\`>${c}\``, `$(shell touch ${c})`, `$(shell >${c})`, `$$(touch ${c})`, `$$(>${c})`, `;touch ${c}`, `;>${c}`, `|tee ${c}`, `&&>${c}`, `&>${c}`, `>${c}`,
	`$(file >${c},x)`, `'$(shell >${c})'`, `"$$(>${c})"`, `\\\`>${c}\\\``, `\\\n>${c}`, ` # >${c}`, `$\${IFS}>${c}`, '\'', '"', '*', '?', '[a]', '~', '$@', '$<', `\${shell >${c}}`,
	`$(eval $$(shell >${c}))`, '$(info x)', '%', '\t', '\r', `\u00A0;>${c}`, '\\', `$(call cc-option,>${c})`, '\'"x"\'', `"'$$(>${c})'"`, '=1', '=\'"NS"\'', '(fmt)=x',
	`$(if $(CONFIG_64BIT),;>${c})`, `$(subst x,;,x)>${c}`, `'\`>${c}\`'`, `"\`>${c}\`"`, '\'a b\'', ' ', '\\#', `$$$$(>${c})`, `\n>${c}`, '\0', `$(shell${'\t'}>${c})`,
];

/** Quoting real Makefiles use, which kmodx must carry through exactly. */
const quotingPayloads = ['\'"x"\'', '\'a b\'', '"(x)"', '\\"x\\"', '=\'"NS"\'', '=1', '(fmt)=\'KBUILD_MODNAME ": " fmt\'', '"a,b"', ',x', ':x', '@x', '+x', '=-x'];

function hostileFlag(rng: Rng): string {
	const kind = rng.int(5);
	let flag = kind < 2 ? rng.pick(pathOptions) + rng.pick(flagPrefixes) + rng.pick(flagPaths)
		: (kind < 4 ? rng.pick(macroOptions) + rng.pick(macroNames) + (rng.chance(0.5) ? rng.pick(macroValues) : '') : rng.pick(otherFlags) + rng.pick(flagPrefixes) + rng.pick(flagPaths));
	// Over half the flags carry no payload, or a harmless quoting one, so that many cases reach make.
	for (let count = rng.chance(0.65) ? 0 : 1 + rng.int(2); count > 0; count--) {
		const payload = rng.chance(0.3) ? rng.pick(quotingPayloads) : rng.pick(flagPayloads);
		const at = rng.chance(0.7) ? flag.length : rng.int(flag.length + 1);
		flag = flag.slice(0, at) + payload + flag.slice(at);
	}

	return rng.chance(0.08) ? `${rng.pick(['\'', '"'])}${flag}${rng.pick(['\'', '"', ''])}` : flag;
}

/** A flag line with 1–3 flags, each built from options, path prefixes, paths and payloads. */
export function hostileFlagLine(rng: Rng): string {
	const flags = Array.from({length: 1 + rng.int(3)}, () => hostileFlag(rng));
	return `${rng.pick(flagAssignments)}${rng.pick(flagOperators)}${flags.join(rng.pick([' ', '\t', ' \\\n\t']))}`;
}

/** Hostile flag lines inserted in a real Makefile, or hostile flags added to one of its lines. */
export function mutateMakefile(data: Uint8Array, rng: Rng): Uint8Array {
	const lines = latin1(data).split('\n');
	if (rng.chance(0.75)) {
		for (let count = rng.chance(0.2) ? 1 + rng.int(3) : 1; count > 0; count--) {
			lines.splice(rng.int(lines.length + 1), 0, hostileFlagLine(rng));
		}

		return bytes(lines.join('\n'));
	}

	return mutateLines(data, rng, (all, random) => {
		const line = random.int(all.length);
		all[line] = `${all[line]!} ${hostileFlag(random)}`;
	});
}
