import {type Btf} from '../../source/btf/btf.js';
import {BtfKind} from '../../source/btf/btf-kind.js';

/*
Writes raw BTF for tests: a closed subgraph of a real BTF (the types reachable from a few
symbols), renumbered, with its own string table; optionally as split BTF on top of another
written subset, and in either byte order. Every record is copied from the real data.
*/

export class StringTable {
	private readonly offsets = new Map<string, number>();
	private readonly chunks: Uint8Array[] = [];
	private length = 0;

	/** `base`: strings of the base BTF, whose offsets split BTF reuses. */
	constructor(readonly base?: StringTable) {
		this.add('');
	}

	get start(): number {
		return this.base ? this.base.start + this.base.length : 0;
	}

	add(text: string): number {
		const inBase = this.base?.lookup(text);
		if (inBase !== undefined) return inBase;
		const known = this.offsets.get(text);
		if (known !== undefined) return known;
		const offset = this.start + this.length;
		const bytes = Buffer.from(`${text}\0`, 'latin1');
		this.chunks.push(bytes);
		this.length += bytes.length;
		this.offsets.set(text, offset);
		return offset;
	}

	lookup(text: string): number | undefined {
		return this.base?.lookup(text) ?? this.offsets.get(text);
	}

	bytes(): Uint8Array {
		return Buffer.concat(this.chunks);
	}
}

/** Raw BTF from records (host-order words) and a string section. */
export function encodeBtf(records: Uint32Array[], strings: Uint8Array, options: {bigEndian?: boolean} = {}): Uint8Array {
	const typeLength = records.reduce((sum, record) => sum + record.length * 4, 0);
	const data = new Uint8Array(24 + typeLength + strings.length);
	const view = new DataView(data.buffer);
	const little = !options.bigEndian;
	view.setUint16(0, 0xeb_9f, little);
	data[2] = 1;
	view.setUint32(4, 24, little);
	view.setUint32(8, 0, little);
	view.setUint32(12, typeLength, little);
	view.setUint32(16, typeLength, little);
	view.setUint32(20, strings.length, little);
	let at = 24;
	for (const record of records) {
		for (const word of record) {
			view.setUint32(at, word, little);
			at += 4;
		}
	}

	data.set(strings, at);
	return data;
}

/** Ids a record refers to (DATASEC entries excluded: a subset keeps only the variables it has). */
export function referencedIds(btf: Btf, id: number): number[] {
	const record = btf.record(id);
	const kind = btf.kind(id);
	const vlen = btf.vlen(id);
	switch (kind) {
		case BtfKind.Ptr:
		case BtfKind.Typedef:
		case BtfKind.Volatile:
		case BtfKind.Const:
		case BtfKind.Restrict:
		case BtfKind.Func:
		case BtfKind.Var:
		case BtfKind.DeclTag:
		case BtfKind.TypeTag: {
			return [record[2]!];
		}

		case BtfKind.FuncProto: {
			return [record[2]!, ...Array.from({length: vlen}, (_, m) => record[3 + 2 * m + 1]!)];
		}

		case BtfKind.Array: {
			return [record[3]!, record[4]!];
		}

		case BtfKind.Struct:
		case BtfKind.Union: {
			return Array.from({length: vlen}, (_, m) => record[3 + 3 * m + 1]!);
		}

		default: {
			return [];
		}
	}
}

/** All ids reachable from the roots (through every reference), ascending. */
export function closure(btf: Btf, roots: number[], exclude: ReadonlySet<number> = new Set()): number[] {
	const seen = new Set<number>();
	const queue = roots.filter(id => !exclude.has(id));
	while (queue.length > 0) {
		const id = queue.pop()!;
		if (id === 0 || seen.has(id) || exclude.has(id)) continue;
		seen.add(id);
		queue.push(...referencedIds(btf, id));
	}

	return [...seen].sort((x, y) => x - y);
}

export type WrittenBtf = {
	data: Uint8Array;
	records: Uint32Array[];
	strings: StringTable;
	/** Old id → new id, including the base's. */
	idMap: Map<number, number>;
	lastId: number;
};

/** Copy `ids` (closed over references, or over `base`) renumbered into new raw BTF. */
export function writeSubset(btf: Btf, ids: number[], options: {base?: WrittenBtf; bigEndian?: boolean} = {}): WrittenBtf {
	const base = options.base;
	const idMap = new Map(base?.idMap ?? []);
	const first = (base?.lastId ?? 0) + 1;
	for (const [index, id] of ids.entries()) idMap.set(id, first + index);
	const mapId = (id: number) => {
		if (id === 0) return 0;
		const mapped = idMap.get(id);
		if (mapped === undefined) throw new Error(`type ${id} is referenced but not in the subset`);
		return mapped;
	};

	const strings = new StringTable(base?.strings);
	const name = (off: number) => strings.add(btf.string(off));
	const records: Uint32Array[] = [];
	for (const id of ids) {
		const record = new Uint32Array(btf.record(id));
		const kind = btf.kind(id);
		const vlen = btf.vlen(id);
		record[0] = name(record[0]!);
		switch (kind) {
			case BtfKind.Ptr:
			case BtfKind.Typedef:
			case BtfKind.Volatile:
			case BtfKind.Const:
			case BtfKind.Restrict:
			case BtfKind.Func:
			case BtfKind.Var:
			case BtfKind.DeclTag:
			case BtfKind.TypeTag: {
				record[2] = mapId(record[2]!);
				break;
			}

			case BtfKind.FuncProto: {
				record[2] = mapId(record[2]!);
				for (let m = 0; m < vlen; m++) {
					record[3 + 2 * m] = name(record[3 + 2 * m]!);
					record[3 + 2 * m + 1] = mapId(record[3 + 2 * m + 1]!);
				}

				break;
			}

			case BtfKind.Array: {
				record[3] = mapId(record[3]!);
				record[4] = mapId(record[4]!);
				break;
			}

			case BtfKind.Struct:
			case BtfKind.Union:
			case BtfKind.Enum64: {
				for (let m = 0; m < vlen; m++) {
					record[3 + 3 * m] = name(record[3 + 3 * m]!);
					if (kind !== BtfKind.Enum64) record[3 + 3 * m + 1] = mapId(record[3 + 3 * m + 1]!);
				}

				break;
			}

			case BtfKind.Enum: {
				for (let m = 0; m < vlen; m++) record[3 + 2 * m] = name(record[3 + 2 * m]!);
				break;
			}

			case BtfKind.Datasec: {
				// Keep only the variables the subset has.
				const kept: number[] = [];
				for (let m = 0; m < vlen; m++) {
					const mapped = idMap.get(record[3 + 3 * m]!);
					if (mapped !== undefined) kept.push(mapped, record[3 + 3 * m + 1]!, record[3 + 3 * m + 2]!);
				}

				const datasec = new Uint32Array(3 + kept.length);
				datasec.set([record[0]!, (record[1]! & 0xff_ff_00_00) | (kept.length / 3), record[2]!, ...kept]);
				records.push(datasec);
				continue;
			}

			default: {
				break;
			}
		}

		records.push(record);
	}

	const data = encodeBtf(records, strings.bytes(), options);
	return {data, records, strings, idMap, lastId: first + ids.length - 1};
}

/** The same BTF in the other byte order (header fields and every type word swapped). */
export function swapByteOrder(data: Uint8Array): Uint8Array {
	const out = new Uint8Array(data);
	const view = new DataView(out.buffer);
	const little = view.getUint16(0, true) === 0xeb_9f;
	view.setUint16(0, 0xeb_9f, !little);
	const hdrLength = view.getUint32(4, little);
	const fields = [4, 8, 12, 16, 20].map(at => view.getUint32(at, little));
	for (const [index, at] of [4, 8, 12, 16, 20].entries()) view.setUint32(at, fields[index]!, !little);
	const typeStart = hdrLength + fields[1]!;
	for (let at = typeStart; at < typeStart + fields[2]!; at += 4) view.setUint32(at, view.getUint32(at, little), !little);
	return out;
}
