import {closeSync, mkdtempSync, openSync, rmSync, writeSync} from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {readAt} from '../common/read-at.js';
import {onExit} from '../common/exit-cleanup.js';
import type {ModuleInfo} from '../module/module-info.js';
import type {ModuleDigest} from './digest.js';

/**
An append-only temporary file in a directory of its own, removed by close() or when the process
ends (a signal, an error): what Spill and PendingSpill keep on disk.
*/
class TemporaryRecords {
	/** Where the file is: gone after close(). */
	readonly directory: string;
	private readonly fd: number;
	private size = 0;
	private readonly forget: () => void;

	constructor(prefix: string, private readonly what: string) {
		this.directory = mkdtempSync(path.join(os.tmpdir(), prefix));
		this.fd = openSync(path.join(this.directory, 'records'), 'w+');
		this.forget = onExit(() => {
			this.remove();
		});
	}

	/** Writes the parts one after the other; returns where the first begins. */
	append(...parts: Buffer[]): number {
		const offset = this.size;
		for (const part of parts) {
			writeSync(this.fd, part, 0, part.length, this.size);
			this.size += part.length;
		}

		return offset;
	}

	read(offset: number, length: number): Buffer {
		const bytes = Buffer.allocUnsafe(length);
		if (readAt(this.fd, bytes, 0, length, offset) !== length) {
			throw new Error(`the ${this.what} file of the scan is shorter than written`);
		}

		return bytes;
	}

	close(): void {
		this.forget();
		this.remove();
	}

	private remove(): void {
		try {
			closeSync(this.fd);
		} catch {}

		rmSync(this.directory, {recursive: true, force: true});
	}
}

/**
Digests that must wait, kept on disk instead of in memory. A scan delivers results in file
order, and a module whose import some kernel lacks is decided only once every module's exports
are known: at the end. Every later result waits behind it — in Debian 6.1's 4,022 modules the
first such module is the 1,086th, so three quarters of a 143 MB JSON report would wait in the
heap (and the garbage collector would walk it again and again). Their text goes to a temporary
file instead, read back in order when the wait is over: memory stays flat in the number of modules.
The file is removed when the scan ends, and when the process does (a signal, an error).
*/
export class Spill {
	private readonly file = new TemporaryRecords('kmodx-spill-', 'spill');
	/** Where the file is (tests check it goes). */
	readonly directory = this.file.directory;
	private readonly entries = new Map<number, {offset: number; meta: number; body: number; field: 'json' | 'text' | undefined}>();

	/** Whether a digest is worth the disk: one that carries its text (JSON, detailed text). */
	static holds(digest: ModuleDigest): boolean {
		return digest.json !== undefined || digest.text !== undefined;
	}

	put(index: number, digest: ModuleDigest): void {
		const field = digest.json === undefined ? (digest.text === undefined ? undefined : 'text') : 'json';
		const {json, text, ...rest} = digest;
		const meta = Buffer.from(JSON.stringify(rest));
		const body = Buffer.from(json ?? text ?? '');
		this.entries.set(index, {offset: this.file.append(meta, body), meta: meta.length, body: body.length, field});
	}

	has(index: number): boolean {
		return this.entries.has(index);
	}

	/** The digest spilled under `index` (once: its entry is forgotten). */
	take(index: number): ModuleDigest | undefined {
		const entry = this.entries.get(index);
		if (!entry) {
			return undefined;
		}

		this.entries.delete(index);
		const bytes = this.file.read(entry.offset, entry.meta + entry.body);

		const digest = JSON.parse(bytes.toString('utf8', 0, entry.meta)) as ModuleDigest;
		if (entry.field) {
			digest[entry.field] = bytes.toString('utf8', entry.meta);
		}

		return digest;
	}

	close(): void {
		this.file.close();
	}
}

/**
Modules that wait for every module's exports (a kernel lacks one of their imports), kept on
disk: a run of 30,000 such modules held them all in the heap, and then all their reports at
once (4.2 GiB). Each is written once as JSON and read back for every round of the peer check
and once for its report; only the names they import stay in memory.
*/
export class PendingSpill {
	readonly wanted = new Set<string>();
	private readonly file = new TemporaryRecords('kmodx-pending-', 'pending');
	/** Where the file is (tests check it goes). */
	readonly directory = this.file.directory;
	private readonly entries = new Map<number, {offset: number; length: number}>();
	private readonly paths = new Set<string>();

	get count(): number {
		return this.entries.size;
	}

	put(index: number, module: ModuleInfo): void {
		const bytes = Buffer.from(JSON.stringify(module));
		this.entries.set(index, {offset: this.file.append(bytes), length: bytes.length});
		this.paths.add(module.path);
		for (const symbol of module.imports) {
			this.wanted.add(symbol.name);
		}
	}

	has(path: string): boolean {
		return this.paths.has(path);
	}

	holds(index: number): boolean {
		return this.entries.has(index);
	}

	/** Every module, in the order they were put. */
	forEach(visit: (module: ModuleInfo) => void): void {
		for (const index of this.entries.keys()) {
			visit(this.get(index)!);
		}
	}

	get(index: number): ModuleInfo | undefined {
		const entry = this.entries.get(index);
		if (!entry) {
			return undefined;
		}

		return JSON.parse(this.file.read(entry.offset, entry.length).toString('utf8')) as ModuleInfo;
	}

	close(): void {
		this.file.close();
	}
}
