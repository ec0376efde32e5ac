import {Buffer} from 'node:buffer';
import {InputError} from '../common/input-error.js';
import {BtfKind, maxKind, trailingWords} from './btf-kind.js';

/*
BTF type information (include/uapi/linux/btf.h). Every record of the type section is made of
u32 words, so the parser copies (and byte-swaps when needed) that section once into a
Uint32Array and only indexes record offsets; names and members are decoded on demand. That
keeps a 100,000-type vmlinux BTF at a few milliseconds and a few MB.
*/

const magic = 0xeb_9f;
const headerMinSize = 24;
const kindFlagBit = 0x80_00_00_00;

export type BtfMember = {name: string; type: number; bitOffset: number; bitfieldSize: number};
export type BtfParam = {name: string; type: number};
export type BtfEnumerator = {name: string; value: bigint};
export type BtfArray = {type: number; indexType: number; nelems: number};
export type BtfInt = {encoding: number; offset: number; bits: number; signed: boolean; char: boolean; bool: boolean};
export type BtfSecinfo = {type: number; offset: number; size: number};

export type ParseBtfOptions = {
	/** File name used in error messages. */
	file?: string;
	/** Base BTF when `data` is split BTF (a module's .BTF): ids and strings continue after it. */
	base?: Btf;
};

const hostLittleEndian = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

export class Btf {
	/** First type id held by this BTF itself (1 for a base, base.lastId + 1 for split BTF). */
	readonly startId: number;
	readonly lastId: number;
	/** First string offset held by this BTF itself. */
	readonly startStr: number;
	readonly littleEndian: boolean;
	readonly byteLength: number;
	private readonly words: Uint32Array;
	private readonly offsets: Uint32Array;
	private readonly strings: Buffer;
	private nameIndex: Map<string, number[]> | undefined;

	constructor(data: Uint8Array, readonly file = '<btf>', readonly base?: Btf) {
		const header = readHeader(data, file);
		this.littleEndian = header.little;
		this.byteLength = header.hdrLength + Math.max(header.typeOff + header.typeLength, header.stringOff + header.stringLength);
		this.strings = readStrings(data, header, file, base !== undefined);
		this.startId = base ? base.lastId + 1 : 1;
		this.startStr = base ? base.startStr + base.strings.length : 0;
		this.words = readTypeWords(data, header);
		this.offsets = recordOffsets(this.words, this.startId, file);
		this.lastId = this.startId + this.offsets.length - 1;
		checkReferences(this.words, this.offsets, this.startId, this.startStr + header.stringLength, file);
	}

	/** Number of types including the base's. */
	get typeCount(): number {
		return this.lastId;
	}

	/** Word offset of a type's record in this BTF, or the BTF holding it. */
	private locate(id: number): [Btf, number] {
		if (id < this.startId) {
			if (!this.base || id < 1) throw new InputError(this.file, `bad BTF: type ${id} does not exist`);
			return this.base.locate(id);
		}

		const p = this.offsets[id - this.startId];
		if (p === undefined) throw new InputError(this.file, `bad BTF: type ${id} does not exist`);
		return [this, p];
	}

	private word(id: number, index: number): number {
		const [btf, p] = this.locate(id);
		return btf.words[p + index]!;
	}

	/** Kind of a type; 0 (void) for id 0. */
	kind(id: number): BtfKind {
		if (id === 0) return BtfKind.Unknown;
		return (this.word(id, 1) >>> 24) & 0x1f;
	}

	vlen(id: number): number {
		return this.word(id, 1) & 0xff_ff;
	}

	kindFlag(id: number): boolean {
		return (this.word(id, 1) & kindFlagBit) !== 0;
	}

	/** `size` for INT/STRUCT/UNION/ENUM/DATASEC/FLOAT, `type` for the others. */
	sizeOrType(id: number): number {
		return this.word(id, 2);
	}

	name(id: number): string {
		if (id === 0) return 'void';
		return this.string(this.word(id, 0));
	}

	string(off: number): string {
		if (off < this.startStr) {
			if (!this.base) return '';
			return this.base.string(off);
		}

		const local = off - this.startStr;
		if (local >= this.strings.length) throw new InputError(this.file, `bad BTF: string offset ${off} out of range`);
		const end = this.strings.indexOf(0, local);
		return this.strings.toString('latin1', local, end < 0 ? this.strings.length : end);
	}

	/** Trailing words of a record (members, params, …), read in place. */
	private items(id: number): {words: Uint32Array; start: number; count: number; btf: Btf} {
		const [btf, p] = this.locate(id);
		return {words: btf.words, start: p + 3, count: btf.words[p + 1]! & 0xff_ff, btf};
	}

	members(id: number): BtfMember[] {
		const {words, start, count} = this.items(id);
		const bitfields = this.kindFlag(id);
		const result: BtfMember[] = [];
		for (let m = 0; m < count; m++) {
			const at = start + 3 * m;
			const offset = words[at + 2]!;
			result.push({
				name: this.string(words[at]!),
				type: words[at + 1]!,
				bitOffset: bitfields ? offset & 0xff_ff_ff : offset,
				bitfieldSize: bitfields ? offset >>> 24 : 0,
			});
		}

		return result;
	}

	params(id: number): BtfParam[] {
		const {words, start, count} = this.items(id);
		const result: BtfParam[] = [];
		for (let m = 0; m < count; m++) result.push({name: this.string(words[start + 2 * m]!), type: words[start + 2 * m + 1]!});
		return result;
	}

	/** Enumerator values; signed when kind_flag is set (libbpf's convention), unsigned otherwise. */
	enumerators(id: number): BtfEnumerator[] {
		const kind = this.kind(id);
		const {words, start, count} = this.items(id);
		const signed = this.kindFlag(id);
		const result: BtfEnumerator[] = [];
		for (let m = 0; m < count; m++) {
			if (kind === BtfKind.Enum64) {
				const at = start + 3 * m;
				let value = (BigInt(words[at + 2]!) << 32n) | BigInt(words[at + 1]!);
				if (signed) value = BigInt.asIntN(64, value);
				result.push({name: this.string(words[at]!), value});
			} else {
				const at = start + 2 * m;
				const raw = words[at + 1]!;
				result.push({name: this.string(words[at]!), value: BigInt(signed ? raw | 0 : raw)});
			}
		}

		return result;
	}

	array(id: number): BtfArray {
		const [btf, p] = this.locate(id);
		const w = btf.words;
		return {type: w[p + 3]!, indexType: w[p + 4]!, nelems: w[p + 5]!};
	}

	int(id: number): BtfInt {
		const value = this.word(id, 3);
		const encoding = (value >>> 24) & 0x0f;
		return {encoding, offset: (value >>> 16) & 0xff, bits: value & 0xff, signed: (encoding & 1) !== 0, char: (encoding & 2) !== 0, bool: (encoding & 4) !== 0};
	}

	/** VAR linkage (0 static, 1 global, 2 extern) or DECL_TAG component_idx (-1: the type itself). */
	extra(id: number): number {
		return this.word(id, 3) | 0;
	}

	secinfos(id: number): BtfSecinfo[] {
		const {words, start, count} = this.items(id);
		const result: BtfSecinfo[] = [];
		for (let m = 0; m < count; m++) {
			const at = start + 3 * m;
			result.push({type: words[at]!, offset: words[at + 1]!, size: words[at + 2]!});
		}

		return result;
	}

	/** The raw words of one record (header and trailing data), in host order. */
	record(id: number): Uint32Array {
		const [btf, p] = this.locate(id);
		const info = btf.words[p + 1]!;
		return btf.words.subarray(p, p + 3 + trailingWords((info >>> 24) & 0x1f, info & 0xff_ff));
	}

	/** Ids of the types named `name` whose kind is in `kinds`, by a scan that decodes no strings (one symbol needs no index). */
	lookup(name: string, kinds: readonly BtfKind[]): number[] {
		const wanted = Buffer.from(name, 'latin1');
		const result: number[] = [];
		for (let id = 1; id <= this.lastId; id++) {
			const [btf, p] = this.locate(id);
			if (!kinds.includes((btf.words[p + 1]! >>> 24) & 0x1f)) continue;
			const off = btf.words[p]!;
			if (off < btf.startStr) {
				// Split BTF may name its types with the base's strings.
				if (btf.string(off) === name) result.push(id);
				continue;
			}

			const local = off - btf.startStr;
			if (btf.strings[local + wanted.length] !== 0) continue;
			if (btf.strings.compare(wanted, 0, wanted.length, local, local + wanted.length) === 0) result.push(id);
		}

		return result;
	}

	/** Ids of all types with this name (including the base's), in id order. Built on first use. */
	find(name: string, kind?: BtfKind): number[] {
		if (!this.nameIndex) {
			const index = new Map<string, number[]>();
			for (let id = 1; id <= this.lastId; id++) {
				const n = this.word(id, 0);
				if (n === 0) continue;
				const key = this.string(n);
				const list = index.get(key);
				if (list) list.push(id);
				else index.set(key, [id]);
			}

			this.nameIndex = index;
		}

		const ids = this.nameIndex.get(name) ?? [];
		return kind === undefined ? ids : ids.filter(id => this.kind(id) === kind);
	}
}

const bad = (file: string, problem: string): never => {
	throw new InputError(file, `bad BTF: ${problem}`);
};

/** struct btf_header: where the type and string sections are, relative to the header's end. */
type BtfHeader = {little: boolean; hdrLength: number; typeOff: number; typeLength: number; stringOff: number; stringLength: number};

/** The header, its byte order (from the magic) and its sections' bounds, checked against the data. */
function readHeader(data: Uint8Array, file: string): BtfHeader {
	if (data.length < headerMinSize) bad(file, `${data.length} bytes, shorter than a BTF header`);
	const view = new DataView(data.buffer, data.byteOffset, data.byteLength);
	const rawMagic = view.getUint16(0, true);
	let little: boolean;
	if (rawMagic === magic) little = true;
	else if (rawMagic === 0x9f_eb) little = false;
	else throw new InputError(file, `bad BTF: magic 0x${rawMagic.toString(16)} is not 0xeb9f`);
	const version = data[2]!;
	if (version !== 1) bad(file, `unsupported version ${version}`);
	const header: BtfHeader = {
		little,
		hdrLength: view.getUint32(4, little),
		typeOff: view.getUint32(8, little),
		typeLength: view.getUint32(12, little),
		stringOff: view.getUint32(16, little),
		stringLength: view.getUint32(20, little),
	};
	const {hdrLength, typeOff, typeLength, stringOff, stringLength} = header;
	if (hdrLength < headerMinSize || hdrLength > data.length) bad(file, `header length ${hdrLength} out of range`);
	const bodyLength = data.length - hdrLength;
	if (typeOff % 4 !== 0 || typeLength % 4 !== 0) bad(file, 'type section is not 4-byte aligned');
	if (typeOff + typeLength > bodyLength) bad(file, `type section (${typeOff}+${typeLength}) runs past the end (${bodyLength} bytes): truncated?`);
	if (stringOff + stringLength > bodyLength) bad(file, `string section (${stringOff}+${stringLength}) runs past the end (${bodyLength} bytes): truncated?`);
	if (typeOff + typeLength > stringOff && stringOff + stringLength > typeOff) bad(file, 'type and string sections overlap');
	return header;
}

/**
The string section, copied so that the (possibly 65 MB) ELF it came from can be freed. A base's
starts with the empty name; split BTF's continues the base's.
*/
function readStrings(data: Uint8Array, {hdrLength, stringOff, stringLength}: BtfHeader, file: string, split: boolean): Buffer {
	const strings = Buffer.from(data.subarray(hdrLength + stringOff, hdrLength + stringOff + stringLength));
	if (split) {
		if (stringLength > 0 && strings[stringLength - 1] !== 0) bad(file, 'string section does not end with NUL');
	} else if (stringLength === 0 || strings[0] !== 0 || strings[stringLength - 1] !== 0) {
		bad(file, 'string section must start and end with NUL');
	}

	return strings;
}

/** One copy of the type section in host order: aligned, and swapped when the file's order differs. */
function readTypeWords(data: Uint8Array, {little, hdrLength, typeOff, typeLength}: BtfHeader): Uint32Array {
	const words = new Uint32Array(typeLength / 4);
	new Uint8Array(words.buffer).set(data.subarray(hdrLength + typeOff, hdrLength + typeOff + typeLength));
	if (little !== hostLittleEndian) {
		for (let i = 0; i < words.length; i++) {
			const w = words[i]!;
			words[i] = (((w & 0xff) << 24) | ((w & 0xff_00) << 8) | ((w >>> 8) & 0xff_00) | (w >>> 24)) >>> 0;
		}
	}

	return words;
}

/** Where each type record starts, in words: each is checked to be whole. Grows a buffer because the count is unknown up front. */
function recordOffsets(words: Uint32Array, startId: number, file: string): Uint32Array {
	let offsets = new Uint32Array(Math.max(16, (words.length / 4) | 0));
	let count = 0;
	let pos = 0;
	while (pos < words.length) {
		if (pos + 3 > words.length) bad(file, `type record ${startId + count} is truncated`);
		const info = words[pos + 1]!;
		const kind = (info >>> 24) & 0x1f;
		if (kind === 0 || kind > maxKind) bad(file, `type ${startId + count} has unknown kind ${kind}`);
		const next = pos + 3 + trailingWords(kind, info & 0xff_ff);
		if (next > words.length) bad(file, `type ${startId + count} (vlen ${info & 0xff_ff}) runs past the type section`);
		if (count === offsets.length) {
			const grown = new Uint32Array(offsets.length * 2);
			grown.set(offsets);
			offsets = grown;
		}

		offsets[count++] = pos;
		pos = next;
	}

	return offsets.subarray(0, count);
}

/** Every type id and string offset a record holds must be in range, so that walks never index garbage. */
function checkReferences(words: Uint32Array, offsets: Uint32Array, startId: number, stringEnd: number, file: string): void {
	const lastId = startId + offsets.length - 1;
	const checkId = (id: number, at: number, what: string) => {
		if (id > lastId) bad(file, `type ${at}: ${what} refers to type ${id}, past the last type ${lastId}`);
	};

	const checkString = (off: number, at: number) => {
		if (off >= stringEnd) bad(file, `type ${at}: name offset ${off} is past the string section (${stringEnd})`);
	};

	for (let i = 0; i < offsets.length; i++) {
		const p = offsets[i]!;
		const id = startId + i;
		const info = words[p + 1]!;
		const kind = (info >>> 24) & 0x1f;
		const vlen = info & 0xff_ff;
		checkString(words[p]!, id);
		const t = p + 3;
		switch (kind) {
			case BtfKind.Ptr:
			case BtfKind.Typedef:
			case BtfKind.Volatile:
			case BtfKind.Const:
			case BtfKind.Restrict:
			case BtfKind.Func:
			case BtfKind.FuncProto:
			case BtfKind.Var:
			case BtfKind.DeclTag:
			case BtfKind.TypeTag: {
				checkId(words[p + 2]!, id, 'its type');
				if (kind === BtfKind.FuncProto) {
					for (let m = 0; m < vlen; m++) {
						checkString(words[t + 2 * m]!, id);
						checkId(words[t + 2 * m + 1]!, id, `parameter ${m}`);
					}
				}

				break;
			}

			case BtfKind.Array: {
				checkId(words[t]!, id, 'its element type');
				checkId(words[t + 1]!, id, 'its index type');
				break;
			}

			case BtfKind.Struct:
			case BtfKind.Union:
			case BtfKind.Enum64: {
				for (let m = 0; m < vlen; m++) {
					checkString(words[t + 3 * m]!, id);
					if (kind !== BtfKind.Enum64) checkId(words[t + 3 * m + 1]!, id, `member ${m}`);
				}

				break;
			}

			case BtfKind.Enum: {
				for (let m = 0; m < vlen; m++) checkString(words[t + 2 * m]!, id);
				break;
			}

			case BtfKind.Datasec: {
				for (let m = 0; m < vlen; m++) checkId(words[t + 3 * m]!, id, `variable ${m}`);
				break;
			}

			default: {
				break;
			}
		}
	}
}

/** Parse raw BTF (either byte order); split BTF needs its `base`. Throws InputError on bad data. */
export function parseBtf(data: Uint8Array, options: ParseBtfOptions = {}): Btf {
	return new Btf(data, options.file, options.base);
}

/** Whether `data` starts with the BTF magic in either byte order. */
export function isRawBtf(data: Uint8Array): boolean {
	return data.length >= 2 && ((data[0] === 0x9f && data[1] === 0xeb) || (data[0] === 0xeb && data[1] === 0x9f));
}
