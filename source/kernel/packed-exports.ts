import zlib from 'node:zlib';
import {InputError} from '../common/input-error.js';
import {nameHash} from '../common/name-hash.js';
import {exportTypes} from '../module/module-info.js';
import type {ExportTable, KernelExport} from './kernel.js';

/*
An export table in one flat buffer: what the parsed-kernel cache stores and what scan workers
share. `check` of one module reads five of these per run and looks up a few dozen names in each,
so the layout is made for that: half the size of the Module.symvers text (a name once, a module
path once per module, a CRC in 4 bytes), an open-addressing index, nothing decoded until asked.

  header   Int32 × 8: magic, count, capacity, strings, names bytes, string bytes, identity bytes, crc32
  slots    Int32 × capacity: top byte of the name's hash << 24 | record + 1, 0 = empty
  records  Int32 × 4 × count: CRC, name start, module string, namespace string << 4 | flags
  offsets  Int32 × (strings + 1): where each module path or namespace starts in the string bytes
  identity what the entry was made from (a cache key's preimage), so a colliding key is only a miss
  names    latin1, in record order: a name ends where the next record's starts
  strings  latin1
The CRC covers everything after the header: a damaged entry is refused when it is opened. One that
was forged to match is still bounds-checked on every access, so it can give wrong answers (as any
file the user lets us read can) but never read outside the buffer or loop.
*/

const magic = 0x31_50_58_4B; // "KXP1"
const headerInts = 8;
const recordInts = 4;
const hasCrc = 8;

export function packExports(exports: Iterable<KernelExport>, identity = ''): Buffer {
	const strings = new Map<string, number>();
	const stringIndex = (text: string) => {
		let index = strings.get(text);
		if (index === undefined) {
			index = strings.size;
			strings.set(text, index);
		}

		return index;
	};

	const seen = new Set<string>();
	const unique: KernelExport[] = [];
	for (const entry of exports) {
		// Like modpost, the first definition of a name wins.
		if (!seen.has(entry.name)) {
			seen.add(entry.name);
			unique.push(entry);
		}
	}

	const count = unique.length;
	if (count >= 0xFF_FF_FF) {
		throw new Error(`${count} exports: more than a packed table indexes`);
	}

	// At most 4/5 full: a few probes per lookup (a check looks up dozens of names), the index
	// half the size it would be at half full.
	let capacity = 64;
	while (capacity * 4 < count * 5) {
		capacity *= 2;
	}

	const records = new Int32Array(count * recordInts);
	const names = Buffer.from(unique.map(entry => entry.name).join(''), 'latin1');
	const slots = new Int32Array(capacity);
	const mask = capacity - 1;
	let nameStart = 0;
	for (const [index, entry] of unique.entries()) {
		const hash = nameHash(entry.name);
		const base = index * recordInts;
		records[base] = (entry.crc ?? 0) | 0;
		records[base + 1] = nameStart;
		records[base + 2] = stringIndex(entry.module);
		records[base + 3] = (stringIndex(entry.namespace) << 4) | (entry.crc === undefined ? 0 : hasCrc) | exportTypes.indexOf(entry.exportType);
		nameStart += entry.name.length;
		let slot = hash & mask;
		while (slots[slot] !== 0) {
			slot = (slot + 1) & mask;
		}

		slots[slot] = ((hash >>> 24) << 24) | (index + 1);
	}

	const stringBytes = Buffer.from([...strings.keys()].join(''), 'latin1');
	const offsets = new Int32Array(strings.size + 1);
	let offset = 0;
	for (const [index, text] of [...strings.keys()].entries()) {
		offsets[index] = offset;
		offset += text.length;
	}

	offsets[strings.size] = offset;
	const identityBytes = Buffer.from(identity, 'utf8');
	const body = Buffer.concat([
		int32Bytes(slots),
		int32Bytes(records),
		int32Bytes(offsets),
		identityBytes,
		names,
		stringBytes,
	]);
	const header = new Int32Array([magic, count, capacity, strings.size, names.length, stringBytes.length, identityBytes.length, zlib.crc32(body) | 0]);
	return Buffer.concat([int32Bytes(header), body]);
}

const int32Bytes = (array: Int32Array) => Buffer.from(array.buffer, array.byteOffset, array.byteLength);

export class PackedExports implements ExportTable {
	readonly size: number;
	private readonly mask: number;
	private readonly slots: Int32Array;
	private readonly records: Int32Array;
	private readonly offsets: Int32Array;
	private readonly names: Buffer;
	private readonly strings: Buffer;
	private readonly decoded: Array<string | undefined>;

	/**
	The table in `data` (from `packExports`), or undefined when it is damaged, of another format,
	or (when `identity` is given) made from something else. `origin` names the entry in errors.
	*/
	static open(data: Uint8Array, origin: string, identity?: string): PackedExports | undefined {
		if (data.byteLength < headerInts * 4) {
			return undefined;
		}

		if (data.byteOffset % 4 !== 0) {
			data = data.slice(); // Int32Array views need 4-byte alignment.
		}

		const [head, count, capacity, strings, namesLength, stringsLength, identityLength, checksum] = new Int32Array(data.buffer, data.byteOffset, headerInts) as unknown as number[];
		if (head !== magic || !(count! > 0) || !(capacity! >= 64) || (capacity! & (capacity! - 1)) !== 0 || count! * 5 > capacity! * 4 || !(strings! >= 0) || !(namesLength! >= 0) || !(stringsLength! >= 0) || !(identityLength! >= 0)) {
			return undefined;
		}

		const ints = capacity! + (count! * recordInts) + strings! + 1;
		if ((headerInts + ints) * 4 + identityLength! + namesLength! + stringsLength! !== data.byteLength) {
			return undefined;
		}

		if ((zlib.crc32(data.subarray(headerInts * 4)) | 0) !== checksum) {
			return undefined;
		}

		const bytes = Buffer.from(data.buffer, data.byteOffset, data.byteLength);
		const identityStart = (headerInts + ints) * 4;
		if (identity !== undefined && bytes.toString('utf8', identityStart, identityStart + identityLength!) !== identity) {
			return undefined;
		}

		return new PackedExports(bytes, origin, count!, capacity!, strings!, identityStart + identityLength!, namesLength!);
	}

	private constructor(readonly bytes: Buffer, private readonly origin: string, count: number, capacity: number, strings: number, namesStart: number, namesLength: number) {
		this.size = count;
		this.mask = capacity - 1;
		let at = bytes.byteOffset + (headerInts * 4);
		this.slots = new Int32Array(bytes.buffer, at, capacity);
		at += capacity * 4;
		this.records = new Int32Array(bytes.buffer, at, count * recordInts);
		at += count * recordInts * 4;
		this.offsets = new Int32Array(bytes.buffer, at, strings + 1);
		this.names = bytes.subarray(namesStart, namesStart + namesLength);
		this.strings = bytes.subarray(namesStart + namesLength);
		this.decoded = Array.from({length: strings});
	}

	get(name: string): KernelExport | undefined {
		const hash = nameHash(name);
		const tag = hash >>> 24;
		const {slots, names} = this;
		for (let slot = hash & this.mask, probes = 0; probes <= this.mask; slot = (slot + 1) & this.mask, probes++) {
			const value = slots[slot]!;
			if (value === 0) {
				return undefined;
			}

			// The slot carries the top byte of its name's hash: most other names stop here.
			if (value >>> 24 !== tag) {
				continue;
			}

			const index = (value & 0xFF_FF_FF) - 1;
			if (index < 0 || index >= this.size) {
				throw this.damaged();
			}

			const start = this.nameStart(index);
			const end = this.nameEnd(index);
			if (end - start !== name.length) {
				continue;
			}

			this.checkName(start, end);

			// Latin-1: a byte is the character of that code, so compare without making a string.
			let at = 0;
			while (at < name.length && names[start + at] === name.charCodeAt(at)) {
				at++;
			}

			if (at === name.length) {
				return this.entry(index, name);
			}
		}

		return undefined;
	}

	* all(): Iterable<KernelExport> {
		for (let index = 0; index < this.size; index++) {
			const start = this.nameStart(index);
			const end = this.nameEnd(index);
			this.checkName(start, end);
			yield this.entry(index, this.names.toString('latin1', start, end));
		}
	}

	/** Names lie in record order: one ends where the next record's begins. */
	/** Whether any entry has a CRC, read from the records' flags without making entries. */
	get hasCrcs(): boolean {
		for (let index = 0; index < this.size; index++) {
			if ((this.records[(index * recordInts) + 3]! & hasCrc) !== 0) {
				return true;
			}
		}

		return false;
	}

	private nameStart(index: number): number {
		return this.records[(index * recordInts) + 1]!;
	}

	private nameEnd(index: number): number {
		return index + 1 < this.size ? this.nameStart(index + 1) : this.names.length;
	}

	private checkName(start: number, end: number): void {
		if (start < 0 || start > end || end > this.names.length) {
			throw this.damaged();
		}
	}

	private entry(index: number, name: string): KernelExport {
		const base = index * recordInts;
		const meta = this.records[base + 3]!;
		const exportType = exportTypes[meta & 7];
		if (exportType === undefined) {
			throw this.damaged();
		}

		return {
			name,
			crc: meta & hasCrc ? this.records[base]! >>> 0 : undefined,
			module: this.string(this.records[base + 2]!),
			exportType,
			namespace: this.string(meta >>> 4),
		};
	}

	private string(index: number): string {
		const known = this.decoded[index];
		if (known !== undefined) {
			return known;
		}

		const start = this.offsets[index];
		const end = this.offsets[index + 1];
		if (start === undefined || end === undefined || index < 0 || start < 0 || start > end || end > this.strings.length) {
			throw this.damaged();
		}

		const text = this.strings.toString('latin1', start, end);
		this.decoded[index] = text;
		return text;
	}

	private damaged(): InputError {
		return new InputError(this.origin, 'inconsistent export table (a damaged cache entry: delete it)');
	}
}
