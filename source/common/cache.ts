import {createRequire} from 'node:module';
import {mkdir, readdir, rename, stat, unlink, writeFile} from 'node:fs/promises';
import {readFileSync, statSync} from 'node:fs';
import os from 'node:os';
import path from 'node:path';

/*
Cache of data derived from kernel images (export table and raw BTF out of a vmlinuz, symtypes
generated from headers), so that a second run skips the decompression or the compiler. The key is the sha256 of the image's whole content: a stat-based key
(dev+ino+size+mtime) can serve stale data after `cp -p`, package tools that set mtimes, or
same-size rewrites within the timestamp resolution, while hashing a 9 MB vmlinuz costs ~20 ms
against ~1 s of decompression. Entries are written to a temp file and renamed, so readers never
see a partial file; every cache failure (read-only dir, full disk) is ignored.
*/

/** Bump when the stored format of an entry changes. */
const cacheFormat = 'v1';

export type CacheOption = boolean | string | undefined;

/**
Raw BTF out of a kernel image, keyed by the image's content hash: the kernel reader writes it
while it has the image decompressed, the BTF loader reads it (or decompresses and writes it).
*/
export const imageBtfCacheKind = 'btf';

/** `KMODX_CACHE_DIR`, else `$XDG_CACHE_HOME/kmodx`, else `~/.cache/kmodx`. */
export function defaultCacheDir(env: NodeJS.ProcessEnv = process.env): string {
	const override = env['KMODX_CACHE_DIR'];
	if (override) return override;
	const xdg = env['XDG_CACHE_HOME'];
	const root = xdg && path.isAbsolute(xdg) ? xdg : path.join(os.homedir(), '.cache');
	return path.join(root, 'kmodx');
}

/** The directory for an option: false → no cache, a string → that dir, true/undefined → default. */
export function resolveCacheDir(option: CacheOption): string | undefined {
	if (option === false || cacheDisabled()) return undefined;
	if (typeof option === 'string') return option;
	return defaultCacheDir();
}

// node:crypto costs ~1.5 ms to load, and only images are hashed: load it when one is.
const require = createRequire(import.meta.url);

export function contentHash(data: Uint8Array): string {
	const {createHash} = require('node:crypto') as typeof import('node:crypto');
	return createHash('sha256').update(data).digest('hex');
}

let writes = 0;

/**
What identifies a file's content without reading it: path, device, inode, size, mtime and ctime.
Any write changes ctime, which no user tool can set back, so a key built from this is never stale.
Undefined when the file cannot be stat'ed.
*/
export async function fileIdentity(file: string): Promise<{key: string; size: bigint} | undefined> {
	try {
		const stats = statSync(file, {bigint: true});
		return {key: [path.resolve(file), stats.dev, stats.ino, stats.size, stats.mtimeNs, stats.ctimeNs].join(':'), size: stats.size};
	} catch {
		return undefined;
	}
}

/**
Whether `file` still has the identity `before` (a `fileIdentity` key taken before it was read):
what was read is what the key names, so it may be cached under it. A file replaced or rewritten
meanwhile (another ctime, inode or size) is not.
*/
export async function unchangedSince(file: string, before: string): Promise<boolean> {
	return (await fileIdentity(file))?.key === before;
}

export function cacheEntryPath(dir: string, kind: string, key: string): string {
	return entryPath(dir, kind, key);
}

function entryPath(dir: string, kind: string, key: string): string {
	return path.join(dir, `${kind}-${cacheFormat}`, `${key}.bin`);
}

/** A cached entry, or undefined (missing or unreadable). */
export async function readCache(dir: string | undefined, kind: string, key: string): Promise<Uint8Array | undefined> {
	if (!dir) return undefined;
	try {
		// Synchronous: a page-cache read of a few MB is faster than the thread-pool round trip.
		return readFileSync(entryPath(dir, kind, key));
	} catch {
		return undefined;
	}
}

/**
Store an entry atomically; returns false when it could not (never throws). `keep` bounds the
entries of this kind (small ones, such as one translation unit's symtypes, can keep more).
*/
export async function writeCache(dir: string | undefined, kind: string, key: string, data: Uint8Array, keep = entriesPerKind): Promise<boolean> {
	if (!dir) return false;
	const target = entryPath(dir, kind, key);
	// Unique among live processes (pid) and within this one (counter).
	const temporary = `${target}.${process.pid}.${++writes}.tmp`;
	try {
		await mkdir(path.dirname(target), {recursive: true});
		await writeFile(temporary, data);
		await rename(temporary, target);
		await prune(path.dirname(target), keep);
		return true;
	} catch {
		await unlink(temporary).catch(() => undefined);
		return false;
	}
}

/**
Entries kept per kind. Keys follow file content or identity, so every new kernel file adds one
(2–5 MB each): without a bound the cache would only grow. The least recently written go first.
*/
export const entriesPerKind = 32;

async function prune(directory: string, keep: number): Promise<void> {
	const names = (await readdir(directory)).filter(name => name.endsWith('.bin'));
	if (names.length <= keep) {
		return;
	}

	const entries = await Promise.all(names.map(async name => ({name, mtime: (await stat(path.join(directory, name)).catch(() => undefined))?.mtimeMs ?? 0})));
	entries.sort((a, b) => a.mtime - b.mtime);
	await Promise.all(entries.slice(0, entries.length - keep).map(async ({name}) => unlink(path.join(directory, name)).catch(() => undefined)));
}

/** KMODX_NO_CACHE=1 turns every cache off (benchmarks of the cold path). */
export function cacheDisabled(env: NodeJS.ProcessEnv = process.env): boolean {
	return Boolean(env['KMODX_NO_CACHE']);
}

/** Forget a bad entry (e.g. one that no longer parses). */
export async function dropCache(dir: string | undefined, kind: string, key: string): Promise<void> {
	if (!dir) return;
	await unlink(entryPath(dir, kind, key)).catch(() => undefined);
}
