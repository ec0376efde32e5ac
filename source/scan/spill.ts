import {closeSync, mkdtempSync, openSync, rmSync, writeSync} from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {readAt} from '../common/read-at.js';
import {onExit} from '../common/exit-cleanup.js';
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
