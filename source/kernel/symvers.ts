import {InputError} from '../common/input-error.js';
import {exportTypes, type ExportType} from '../module/module-info.js';
import type {ExportTable, KernelExport} from './kernel.js';
import {fnvOffset, fnvPrime, nameHash} from '../common/name-hash.js';
const exportTypeBytes = exportTypes.map(type => Buffer.from(type, 'latin1'));

const TAB = 9;
const NEWLINE = 10;
const CR = 13;

/**
`Module.symvers` in every layout the kernel ever wrote (tab-separated; columns separated by runs
of spaces, as suse-kabi-tools reads them and writes its test files, are read too):
  ≤ 2.6.17        crc sym module
  2.6.18 – 5.3    crc sym module export_type
  5.4 – 5.5       crc sym namespace module export_type
  ≥ 5.6           crc sym module export_type namespace   (namespace may be empty)
One byte-level pass checks every line and indexes the line starts by a hash of the symbol
name, without making a single string: a module needs a few dozen of 25,000 exports, and
strings for all of them would cost more than everything else `check` does.
*/
export class SymversTable implements ExportTable {
	readonly size: number;
	/**
	False when every CRC is 0x00000000: a kernel built without CONFIG_MODVERSIONS still writes
	the column (7.x), and those zeros are placeholders, not CRCs; its exports then have none.
	*/
	readonly hasCrcs: boolean;
	private nonZeroCrc = false;
	private readonly text: Buffer;
	private readonly bytes: Uint8Array;
	/** Open addressing: slot → line start + 1 (0 = empty); hashes kept to skip most byte compares. */
	private slots: Int32Array;
	private slotHashes: Int32Array;
	private mask: number;
	private used = 0;
	private cache: Map<string, KernelExport> | undefined;

	constructor(data: Uint8Array, readonly file: string) {
		this.text = tabSeparated(Buffer.from(data.buffer, data.byteOffset, data.byteLength));
		data = this.text;
		this.bytes = new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
		if (this.text.includes(0)) {
			throw new InputError(file, 'not a Module.symvers file (binary data)');
		}

		// Real lines average ~70 bytes: start at twice that many slots and grow if a file is denser.
		let capacity = 64;
		while (capacity < (this.text.length / 70) * 2) {
			capacity *= 2;
		}

		this.slots = new Int32Array(capacity);
		this.slotHashes = new Int32Array(capacity);
		this.mask = capacity - 1;
		this.size = this.scan();
		this.hasCrcs = this.nonZeroCrc;
	}

	get(name: string): KernelExport | undefined {
		const cached = this.cache?.get(name);
		if (cached) {
			return cached;
		}

		const hash = nameHash(name);
		for (let slot = hash & this.mask, probes = 0; this.slots[slot] !== 0 && probes <= this.mask; slot = (slot + 1) & this.mask, probes++) {
			if (this.slotHashes[slot] !== hash) {
				continue;
			}

			const start = this.slots[slot]! - 1;
			const nameStart = this.text.indexOf(TAB, start) + 1;
			if (this.text[nameStart + name.length] === TAB && this.text.toString('latin1', nameStart, nameStart + name.length) === name) {
				return parseLine(this.text, start, this.file, this.hasCrcs);
			}
		}

		return undefined;
	}

	all(): Iterable<KernelExport> {
		if (!this.cache) {
			// Kernel-wide work (diffs, thousands of modules) reads every line once.
			this.cache = new Map();
			for (const slot of this.slots) {
				if (slot !== 0) {
					const entry = parseLine(this.text, slot - 1, this.file, this.hasCrcs);
					this.cache.set(entry.name, entry);
				}
			}
		}

		return this.cache.values();
	}

	/**
	Validates every line and fills the index; returns the number of exports. One flat loop, no
	call per line: V8 optimizes it on the stack (OSR) within the first file's first lines.
	*/
	// eslint-disable-next-line max-lines-per-function -- the one flat loop above: a call per field would cost what it saves.
	private scan(): number {
		const text = this.bytes;
		const length = text.length;
		let count = 0;
		let line = 0;
		let at = 0;
		let nonZero = false;
		while (at < length) {
			line++;
			const start = at;
			let byte = text[at]!;
			if (byte === NEWLINE || (byte === CR && text[at + 1] === NEWLINE)) {
				at += byte === NEWLINE ? 1 : 2; // Blank line.
				continue;
			}

			if (byte !== 48 || text[at + 1] !== 120) {
				throw this.lineError(line, 'expected a CRC like 0x1234abcd in the first column');
			}

			at += 2;
			const digitsStart = at;
			byte = text[at]!;
			while ((byte >= 48 && byte <= 57) || (byte >= 97 && byte <= 102) || (byte >= 65 && byte <= 70)) {
				nonZero ||= byte !== 48;

				byte = text[++at]!;
			}

			if (at === digitsStart || at - digitsStart > 16 || byte !== TAB) {
				throw this.lineError(line, 'expected a CRC like 0x1234abcd in the first column');
			}

			// Name: hash its bytes on the way to the next tab (nameHash, inline).
			const nameStart = ++at;
			let hash = fnvOffset;
			byte = text[at]!;
			while (at < length && byte !== TAB && byte !== NEWLINE) {
				hash = Math.imul(hash ^ byte, fnvPrime);
				byte = text[++at]!;
			}

			const nameEnd = at;
			if (nameEnd === nameStart) {
				throw this.lineError(line, 'empty symbol name');
			}

			if (at >= length || byte !== TAB) {
				throw this.lineError(line, 'expected 3 to 5 tab-separated columns, found 2');
			}

			// Remaining columns: count tabs from the one after the name, up to the newline.
			let tabs = 1;
			let tab2 = -1;
			let tab3 = -1;
			for (at++; at < length; at++) {
				byte = text[at]!;
				if (byte === NEWLINE) {
					break;
				}

				if (byte === TAB) {
					tabs++;
					if (tabs === 2) {
						tab2 = at;
					} else if (tabs === 3) {
						tab3 = at;
					}
				}
			}

			const newline = at;
			const stop = text[newline - 1] === CR ? newline - 1 : newline;
			if (tabs > 3) {
				throw this.lineError(line, `expected 3 to 5 tab-separated columns, found ${tabs + 2}`);
			}

			// (With 5 columns the third may be an empty namespace: the 5.4 – 5.5 layout.)
			if (tabs < 3 && (tab2 === -1 ? stop : tab2) === nameEnd + 1) {
				throw this.lineError(line, 'empty module column');
			}

			if (tab2 !== -1) {
				// The export type is the 4th column (≥ 5.6 and 2.6.18–5.3) or the 5th (5.4–5.5).
				const fourthEnd = tab3 === -1 ? stop : tab3;
				if (exportTypeAt(text, tab2 + 1, fourthEnd) === undefined && !(tab3 !== -1 && exportTypeAt(text, tab3 + 1, stop) !== undefined)) {
					throw this.lineError(line, `unknown export type '${printable(this.text.toString('latin1', tab2 + 1, fourthEnd))}'`);
				}
			}

			this.insert(hash, start, nameStart, nameEnd - nameStart);
			count++;
			at = newline + 1;
		}

		if (count === 0) {
			throw new InputError(this.file, 'no exports: empty Module.symvers');
		}

		this.nonZeroCrc = nonZero;
		return count;
	}

	private lineError(line: number, problem: string): InputError {
		return new InputError(this.file, `line ${line}: ${problem}`);
	}

	/** Like modpost, the first definition of a name wins. */
	private insert(hash: number, lineStart: number, nameStart: number, nameLength: number): void {
		if (++this.used * 2 > this.slots.length) {
			this.grow();
		}

		let slot = hash & this.mask;
		for (; this.slots[slot] !== 0; slot = (slot + 1) & this.mask) {
			if (this.slotHashes[slot] === hash) {
				const otherName = this.text.indexOf(TAB, this.slots[slot]! - 1) + 1;
				if (this.text[otherName + nameLength] === TAB && this.text.compare(this.text, nameStart, nameStart + nameLength, otherName, otherName + nameLength) === 0) {
					return;
				}
			}
		}

		this.slots[slot] = lineStart + 1;
		this.slotHashes[slot] = hash;
	}

	private grow(): void {
		const {slots, slotHashes} = this;
		this.slots = new Int32Array(slots.length * 2);
		this.slotHashes = new Int32Array(slots.length * 2);
		this.mask = this.slots.length - 1;
		for (let index = 0; index < slots.length; index++) {
			if (slots[index] !== 0) {
				let slot = slotHashes[index]! & this.mask;
				while (this.slots[slot] !== 0) {
					slot = (slot + 1) & this.mask;
				}

				this.slots[slot] = slots[index]!;
				this.slotHashes[slot] = slotHashes[index]!;
			}
		}
	}
}

const SPACE = 32;
const FORM_FEED = 12;

/**
The file with its columns tab-separated: a kernel's file as it is; in one that uses spaces (or
mixes them with tabs) each run of white space within a line becomes one tab, and white space at
either end of a line goes. Names hold no white space, so no column is split; an empty namespace
column at the end disappears, which means the same.
*/
function tabSeparated(text: Buffer): Buffer {
	if (!text.includes(SPACE) && !text.includes(FORM_FEED)) {
		return text;
	}

	const output = Buffer.allocUnsafe(text.length);
	let length = 0;
	let pending = false; // White space seen since the line's last column.
	let lineStart = true;
	for (const byte of text) {
		if (byte === NEWLINE) {
			output[length++] = byte;
			pending = false;
			lineStart = true;
		} else if (byte === SPACE || byte === TAB || byte === FORM_FEED || byte === CR) {
			pending = !lineStart;
		} else {
			if (pending) {
				output[length++] = TAB;
			}

			output[length++] = byte;
			pending = false;
			lineStart = false;
		}
	}

	return output.subarray(0, length);
}

function parseLine(text: Buffer, start: number, file: string, hasCrcs: boolean): KernelExport {
	let end = text.indexOf(NEWLINE, start);
	if (end === -1) {
		end = text.length;
	}

	if (text[end - 1] === CR) {
		end--;
	}

	const fields = text.toString('latin1', start, end).split('\t');
	// Only the low 32 bits count: the last 8 digits (some 64-bit kernels wrote 16).
	const crc = hasCrcs ? Number.parseInt(fields[0]!.slice(2).slice(-8), 16) >>> 0 : undefined;
	const name = fields[1]!;
	let module = fields[2]!;
	let exportType: string = 'EXPORT_SYMBOL';
	let namespace = '';
	if (fields.length === 4) {
		exportType = fields[3]!;
	} else if (fields.length === 5) {
		if ((exportTypes as readonly string[]).includes(fields[3]!)) {
			exportType = fields[3]!;
			namespace = fields[4]!;
		} else {
			// 5.4 – 5.5: crc sym namespace module export_type
			namespace = fields[2]!;
			module = fields[3]!;
			exportType = fields[4]!;
		}
	}

	if (!(exportTypes as readonly string[]).includes(exportType)) {
		throw new InputError(file, `unknown export type '${printable(exportType)}'`);
	}

	return {name, crc, module, exportType: exportType as ExportType, namespace};
}

/** File text quoted in an error: control characters escaped (a stray CR must not garble the line), at most 64 characters. */
function printable(text: string): string {
	// eslint-disable-next-line no-control-regex
	const escaped = text.slice(0, 64).replaceAll(/[\u0000-\u001F\u007F-\u009F]/g, char => `\\x${char.charCodeAt(0).toString(16).padStart(2, '0')}`);
	return text.length > 64 ? `${escaped}…` : escaped;
}

function exportTypeAt(text: Uint8Array, start: number, end: number): number | undefined {
	const length = end - start;
	for (let index = 0; index < exportTypeBytes.length; index++) {
		const candidate = exportTypeBytes[index]!;
		if (candidate.length !== length) {
			continue;
		}

		let offset = 0;
		while (offset < length && text[start + offset] === candidate[offset]) {
			offset++;
		}

		if (offset === length) {
			return index;
		}
	}

	return undefined;
}
