import {InputError} from '../common/input-error.js';
import type {ExportTable, ExportType, KernelExport} from './kernel.js';

const exportTypes = new Set<string>([
	'EXPORT_SYMBOL',
	'EXPORT_SYMBOL_GPL',
	'EXPORT_SYMBOL_GPL_FUTURE',
	'EXPORT_UNUSED_SYMBOL',
	'EXPORT_UNUSED_SYMBOL_GPL',
]);

const TAB = 9;
const NEWLINE = 10;
const CR = 13;
/** Past this many single lookups, one full index is cheaper than searching the text each time. */
const lookupsBeforeIndex = 512;

/**
`Module.symvers` in every layout the kernel ever wrote (tab-separated):
  ≤ 2.6.17        crc sym module
  2.6.18 – 5.3    crc sym module export_type
  5.4 – 5.5       crc sym namespace module export_type
  ≥ 5.6           crc sym module export_type namespace   (namespace may be empty)
The whole text is checked line by line up front (cheap byte scan, no strings made), then a
module's few dozen imports are looked up by searching the text; kernel-wide work
(`all()`, many lookups) builds a full index once.
*/
export class SymversTable implements ExportTable {
	readonly size: number;
	private index: Map<string, KernelExport> | undefined;
	private lookups = 0;
	private readonly text: Buffer;

	constructor(data: Uint8Array, readonly file: string) {
		this.text = Buffer.from(data.buffer, data.byteOffset, data.byteLength);
		this.size = validate(this.text, file);
	}

	get(name: string): KernelExport | undefined {
		if (this.index) {
			return this.index.get(name);
		}

		if (++this.lookups > lookupsBeforeIndex) {
			return this.buildIndex().get(name);
		}

		const needle = Buffer.from(`\t${name}\t`, 'latin1');
		for (let at = this.text.indexOf(needle); at !== -1; at = this.text.indexOf(needle, at + 1)) {
			// The name column is the second one: only the CRC may stand between the line start and the match.
			const lineStart = this.text.lastIndexOf(NEWLINE, at) + 1;
			if (this.text.indexOf(TAB, lineStart) === at) {
				return parseLine(this.text, lineStart, this.file);
			}
		}

		return undefined;
	}

	all(): Iterable<KernelExport> {
		return this.buildIndex().values();
	}

	private buildIndex(): Map<string, KernelExport> {
		if (!this.index) {
			const index = new Map<string, KernelExport>();
			for (let start = 0; start < this.text.length;) {
				let end = this.text.indexOf(NEWLINE, start);
				if (end === -1) {
					end = this.text.length;
				}

				if (end > start) {
					const entry = parseLine(this.text, start, this.file);
					// Like modpost, the first definition wins.
					if (!index.has(entry.name)) {
						index.set(entry.name, entry);
					}
				}

				start = end + 1;
			}

			this.index = index;
		}

		return this.index;
	}
}

function parseLine(text: Buffer, start: number, file: string): KernelExport {
	let end = text.indexOf(NEWLINE, start);
	if (end === -1) {
		end = text.length;
	}

	if (text[end - 1] === CR) {
		end--;
	}

	const fields = text.toString('latin1', start, end).split('\t');
	const crc = Number.parseInt(fields[0]!.slice(2), 16) >>> 0;
	const name = fields[1]!;
	let module: string;
	let exportType = 'EXPORT_SYMBOL';
	let namespace = '';
	if (fields.length === 3) {
		module = fields[2]!;
	} else if (fields.length === 4) {
		module = fields[2]!;
		exportType = fields[3]!;
	} else if (exportTypes.has(fields[3]!)) {
		[, , module, exportType, namespace] = fields as [string, string, string, string, string];
	} else {
		[, , namespace, module, exportType] = fields as [string, string, string, string, string];
	}

	if (!exportTypes.has(exportType)) {
		throw new InputError(file, `line ${lineNumber(text, start)}: unknown export type '${exportType}'`);
	}

	return {name, crc, module, exportType: exportType as ExportType, namespace};
}

function lineNumber(text: Buffer, offset: number): number {
	let line = 1;
	for (let at = text.indexOf(NEWLINE); at !== -1 && at < offset; at = text.indexOf(NEWLINE, at + 1)) {
		line++;
	}

	return line;
}

const exportTypeBytes = [...exportTypes].map(type => Buffer.from(type, 'latin1'));

/** Byte comparison: making a string for each of 25,000 lines costs more than the whole scan. */
function isExportType(text: Buffer, start: number, end: number): boolean {
	const length = end - start;
	outer: for (const candidate of exportTypeBytes) {
		if (candidate.length !== length) {
			continue;
		}

		for (let index = 0; index < length; index++) {
			if (text[start + index] !== candidate[index]) {
				continue outer;
			}
		}

		return true;
	}

	return false;
}

function isHex(byte: number): boolean {
	return (byte >= 48 && byte <= 57) || (byte >= 97 && byte <= 102) || (byte >= 65 && byte <= 70);
}

/** Checks every line's shape without building strings; returns the number of exports. */
function validate(text: Buffer, file: string): number {
	if (text.includes(0)) {
		throw new InputError(file, 'not a Module.symvers file (binary data)');
	}

	let count = 0;
	let line = 0;
	for (let start = 0; start < text.length;) {
		line++;
		let end = text.indexOf(NEWLINE, start);
		if (end === -1) {
			end = text.length;
		}

		let stop = end;
		if (text[stop - 1] === CR) {
			stop--;
		}

		if (stop > start) {
			const problem = checkLine(text, start, stop);
			if (problem) {
				throw new InputError(file, `line ${line}: ${problem}`);
			}

			count++;
		}

		start = end + 1;
	}

	if (count === 0) {
		throw new InputError(file, 'no exports: empty Module.symvers');
	}

	return count;
}

function checkLine(text: Buffer, start: number, stop: number): string | undefined {
	if (text[start] !== 48 || text[start + 1] !== 120) {
		return 'expected a CRC like 0x1234abcd in the first column';
	}

	let at = start + 2;
	while (at < stop && isHex(text[at]!)) {
		at++;
	}

	const digits = at - start - 2;
	if (digits === 0 || digits > 16 || text[at] !== TAB) {
		return 'expected a CRC like 0x1234abcd in the first column';
	}

	const tabs = [at];
	for (let index = at + 1; index < stop; index++) {
		if (text[index] === TAB) {
			tabs.push(index);
		}
	}

	if (tabs.length < 2 || tabs.length > 4) {
		return `expected 3 to 5 tab-separated columns, found ${tabs.length + 1}`;
	}

	if (tabs[1]! - tabs[0]! === 1) {
		return 'empty symbol name';
	}

	if (tabs.length >= 3) {
		// The export type is the 4th column (≥ 5.6 and 2.6.18–5.3) or the 5th (5.4–5.5).
		const fourthEnd = tabs[3] ?? stop;
		if (!isExportType(text, tabs[2]! + 1, fourthEnd) && !(tabs.length === 4 && isExportType(text, tabs[3]! + 1, stop))) {
			return `unknown export type '${text.toString('latin1', tabs[2]! + 1, fourthEnd)}'`;
		}
	}

	return undefined;
}
