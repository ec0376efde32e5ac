import {closeSync, mkdtempSync, openSync, rmSync, writeSync} from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {readAt} from '../common/read-at.js';
import {onExit} from '../common/exit-cleanup.js';
import type {ModuleInfo} from '../module/module-info.js';
import type {ModuleDigest} from './digest.js';

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
	private readonly directory: string;
	private readonly fd: number;
	private readonly entries = new Map<number, {offset: number; meta: number; body: number; field: 'json' | 'text' | undefined}>();
	private size = 0;
	private readonly forget: () => void;

	constructor() {
		this.directory = mkdtempSync(path.join(os.tmpdir(), 'kmodx-spill-'));
		this.fd = openSync(path.join(this.directory, 'digests'), 'w+');
		this.forget = onExit(() => {
			this.remove();
		});
	}

	/** Whether a digest is worth the disk: one that carries its text (JSON, detailed text). */
	static holds(digest: ModuleDigest): boolean {
		return digest.json !== undefined || digest.text !== undefined;
	}

	put(index: number, digest: ModuleDigest): void {
		const field = digest.json === undefined ? (digest.text === undefined ? undefined : 'text') : 'json';
		const {json, text, ...rest} = digest;
		const meta = Buffer.from(JSON.stringify(rest));
		const body = Buffer.from(json ?? text ?? '');
		writeSync(this.fd, meta, 0, meta.length, this.size);
		writeSync(this.fd, body, 0, body.length, this.size + meta.length);
		this.entries.set(index, {offset: this.size, meta: meta.length, body: body.length, field});
		this.size += meta.length + body.length;
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
		const bytes = Buffer.allocUnsafe(entry.meta + entry.body);
		if (readAt(this.fd, bytes, 0, bytes.length, entry.offset) !== bytes.length) {
			throw new Error('the spill file of the scan is shorter than written');
		}

		const digest = JSON.parse(bytes.toString('utf8', 0, entry.meta)) as ModuleDigest;
		if (entry.field) {
			digest[entry.field] = bytes.toString('utf8', entry.meta);
		}

		return digest;
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
Modules that wait for every module's exports (a kernel lacks one of their imports), kept on
disk: a run of 30,000 such modules held them all in the heap, and then all their reports at
once (4.2 GiB). Each is written once as JSON and read back for every round of the peer check
and once for its report; only the names they import stay in memory.
*/
export class PendingSpill {
	readonly wanted = new Set<string>();
	private readonly directory: string;
	private readonly fd: number;
	private readonly entries = new Map<number, {offset: number; length: number}>();
	private readonly paths = new Set<string>();
	private size = 0;
	private readonly forget: () => void;

	constructor() {
		this.directory = mkdtempSync(path.join(os.tmpdir(), 'kmodx-pending-'));
		this.fd = openSync(path.join(this.directory, 'modules'), 'w+');
		this.forget = onExit(() => {
			this.remove();
		});
	}

	get count(): number {
		return this.entries.size;
	}

	put(index: number, module: ModuleInfo): void {
		const bytes = Buffer.from(JSON.stringify(module));
		writeSync(this.fd, bytes, 0, bytes.length, this.size);
		this.entries.set(index, {offset: this.size, length: bytes.length});
		this.size += bytes.length;
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

		const bytes = Buffer.allocUnsafe(entry.length);
		if (readAt(this.fd, bytes, 0, bytes.length, entry.offset) !== bytes.length) {
			throw new Error('the pending file of the scan is shorter than written');
		}

		return JSON.parse(bytes.toString('utf8')) as ModuleInfo;
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
