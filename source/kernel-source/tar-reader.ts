import {InputError} from '../common/input-error.js';
import {maximumMember} from './extraction-budget.js';

/*
Just enough of tar (POSIX ustar, GNU long names, pax headers) to walk a kernel source tarball
as a stream: each member's path, size and where its bytes start in the uncompressed stream, and
the bytes themselves for the members the caller wants. Nothing is written to disk.
*/

export type TarEntry = {
	path: string;
	kind: 'file' | 'directory' | 'link' | 'other';
	size: number;
	/** Offset of the member's first data byte in the uncompressed tar stream. */
	offset: number;
};

export type TarHandlers = {
	/** Return true to receive the member's bytes through `data`. */
	entry(entry: TarEntry): boolean;
	/** `bytes` is valid during the call only: the reader reuses the memory. */
	data?(entry: TarEntry, bytes: Buffer): void;
};

const block = 512;
// A member larger than maximumMember is not source code; its bytes are skipped, never buffered.
const maximumBufferedMember = maximumMember;

type Pending = {path?: string; size?: number};

/** Feed chunks in order; `end()` checks that the archive was complete. */
export class TarReader {
	private offset = 0;
	private header = Buffer.alloc(block);
	private headerFill = 0;
	private current: {entry: TarEntry; want: boolean; skip: number; data?: Buffer; fill: number; meta?: 'pax' | 'longname'} | undefined;
	// Members that straddle chunks are gathered here; most fit in one chunk and are not copied.
	private scratch = Buffer.allocUnsafe(1024 * 1024);
	private pending: Pending = {};
	private zeroBlocks = 0;
	private finished = false;
	private members = 0;

	constructor(private readonly file: string, private readonly handlers: TarHandlers) {}

	/** Bytes consumed so far. */
	get position(): number {
		return this.offset;
	}

	get done(): boolean {
		return this.finished;
	}

	push(chunk: Buffer): void {
		let at = 0;
		while (at < chunk.length && !this.finished) {
			at = this.current ? this.body(chunk, at) : this.headerBytes(chunk, at);
		}
	}

	end(): void {
		if (!this.finished && (this.current || this.headerFill > 0 || this.members === 0)) {
			throw new InputError(this.file, this.members === 0 ? 'not a tar archive (no members)' : 'tar archive is truncated');
		}
	}

	private headerBytes(chunk: Buffer, at: number): number {
		const take = Math.min(block - this.headerFill, chunk.length - at);
		chunk.copy(this.header, this.headerFill, at, at + take);
		this.headerFill += take;
		this.offset += take;
		if (this.headerFill === block) {
			this.headerFill = 0;
			this.parseHeader();
		}

		return at + take;
	}

	private body(chunk: Buffer, at: number): number {
		const current = this.current!;
		const take = Math.min(current.skip, chunk.length - at);
		if (current.want && !current.data && current.fill === 0 && chunk.length - at >= current.entry.size) {
			// The whole member is in this chunk: hand out a view.
			current.data = chunk.subarray(at, at + current.entry.size);
			current.fill = current.entry.size;
		} else if (current.want && !current.data) {
			if (this.scratch.length < current.entry.size) {
				this.scratch = Buffer.allocUnsafe(current.entry.size);
			}

			current.data = this.scratch.subarray(0, current.entry.size);
		}

		if (current.data && current.fill < current.data.length) {
			const useful = Math.min(take, current.data.length - current.fill);
			if (useful > 0) {
				chunk.copy(current.data, current.fill, at, at + useful);
				current.fill += useful;
			}
		}

		current.skip -= take;
		this.offset += take;
		if (current.skip === 0) {
			this.current = undefined;
			this.finishMember(current);
		}

		return at + take;
	}

	private parseHeader(): void {
		const header = this.header;
		if (header.every(byte => byte === 0)) {
			// Two zero blocks end the archive; GNU tar may pad further, which is not read.
			if (++this.zeroBlocks === 2) {
				this.finished = true;
			}

			return;
		}

		this.zeroBlocks = 0;
		if (!checksumMatches(header)) {
			throw new InputError(this.file, this.members === 0 ? 'not a tar archive' : `tar header at byte ${this.offset - block} is damaged (checksum)`);
		}

		this.members++;
		const type = String.fromCharCode(header[156]!);
		const size = this.pending.size ?? readNumber(header, 124, 12, this.file);
		const name = this.pending.path ?? fullName(header);
		const entry: TarEntry = {path: normalize(name), kind: kindOf(type), size, offset: this.offset};
		const padded = Math.ceil(size / block) * block;
		if (type === 'x' || type === 'L') {
			if (size > 1024 * 1024) {
				throw new InputError(this.file, `tar extended header of ${size} bytes`);
			}

			this.start(entry, padded, true, type === 'x' ? 'pax' : 'longname');
			return;
		}

		this.pending = {};
		if (type === 'g' || type === 'K') {
			// Global pax headers and GNU long link names say nothing a reader of paths needs.
			this.start(entry, padded, false);
			return;
		}

		const want = entry.kind === 'file' && size <= maximumBufferedMember && this.handlers.entry(entry);
		if (entry.kind !== 'file' && entry.kind !== 'other') {
			this.handlers.entry(entry);
		}

		this.start(entry, entry.kind === 'file' || entry.kind === 'other' ? padded : 0, want);
	}

	private start(entry: TarEntry, skip: number, want: boolean, meta?: 'pax' | 'longname') {
		const current: NonNullable<TarReader['current']> = {entry, want, skip, fill: 0, ...(meta ? {meta} : {})};
		if (skip === 0) {
			if (want) {
				current.data = Buffer.alloc(0);
			}

			this.finishMember(current);
		} else {
			this.current = current;
		}
	}

	private finishMember(member: NonNullable<TarReader['current']>) {
		if (!member.data) {
			return;
		}

		if (member.meta === 'pax') {
			this.pending = {...this.pending, ...parsePax(member.data, this.file)};
		} else if (member.meta === 'longname') {
			this.pending = {...this.pending, path: cString(member.data, 0, member.data.length)};
		} else {
			this.handlers.data?.(member.entry, member.data);
		}
	}
}

function checksumMatches(header: Buffer): boolean {
	const stored = readOctal(header, 148, 8);
	let sum = 0;
	for (let index = 0; index < block; index++) {
		sum += index >= 148 && index < 156 ? 0x20 : header[index]!;
	}

	return stored === sum;
}

function cString(data: Buffer, start: number, length: number): string {
	const end = data.indexOf(0, start);
	return data.toString('utf8', start, end === -1 || end > start + length ? start + length : end);
}

function fullName(header: Buffer): string {
	const name = cString(header, 0, 100);
	// Ustar splits long names into prefix (345 bytes at 345) and name.
	const magic = header.toString('latin1', 257, 262);
	const prefix = magic === 'ustar' ? cString(header, 345, 155) : '';
	return prefix ? `${prefix}/${name}` : name;
}

function readOctal(header: Buffer, start: number, length: number): number {
	const text = header.toString('latin1', start, start + length).replace(/[\0 ]+$/, '').trim();
	return text === '' ? 0 : Number.parseInt(text, 8);
}

function readNumber(header: Buffer, start: number, length: number, file: string): number {
	// GNU base-256: the top bit of the first byte set, big-endian binary in the rest.
	if ((header[start]! & 0x80) !== 0) {
		let value = header[start]! & 0x7F;
		for (let index = 1; index < length; index++) {
			value = (value * 256) + header[start + index]!;
		}

		if (!Number.isSafeInteger(value)) {
			throw new InputError(file, 'tar member size too large');
		}

		return value;
	}

	const value = readOctal(header, start, length);
	if (Number.isNaN(value)) {
		throw new InputError(file, 'tar header has a bad size');
	}

	return value;
}

function parsePax(data: Buffer, file: string): Pending {
	const result: Pending = {};
	let at = 0;
	while (at < data.length && data[at] !== 0) {
		const space = data.indexOf(0x20, at);
		const length = space === -1 ? Number.NaN : Number.parseInt(data.toString('latin1', at, space), 10);
		if (!Number.isSafeInteger(length) || length <= 0 || at + length > data.length) {
			throw new InputError(file, 'tar pax header is damaged');
		}

		const record = data.toString('utf8', space + 1, at + length - 1);
		const equals = record.indexOf('=');
		const key = record.slice(0, equals);
		const value = record.slice(equals + 1);
		if (key === 'path') {
			result.path = value;
		} else if (key === 'size') {
			const size = Number(value);
			if (!Number.isSafeInteger(size) || size < 0) {
				throw new InputError(file, 'tar pax header has a bad size');
			}

			result.size = size;
		}

		at += length;
	}

	return result;
}

function kindOf(type: string): TarEntry['kind'] {
	switch (type) {
		case '0':
		case '\0':
		case '7': {
			return 'file';
		}

		case '5': {
			return 'directory';
		}

		case '1':
		case '2': {
			return 'link';
		}

		default: {
			return 'other';
		}
	}
}

/** `./linux-6.1/kernel/` → `linux-6.1/kernel`. */
function normalize(name: string): string {
	return name.replace(/^(\.\/)+/, '').replace(/\/+$/, '');
}
