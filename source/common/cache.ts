import {createRequire} from 'node:module';
import {lstat, open, readdir, rename, unlink} from 'node:fs/promises';
import {closeSync, constants, fstatSync, lstatSync, mkdirSync, openSync, readFileSync, statSync} from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {terminalSafe} from './terminal-text.js';

/*
Cache of data derived from kernel images (export table and raw BTF out of a vmlinuz, symtypes
generated from headers), so that a second run skips the decompression or the compiler. The key is the sha256 of the image's whole content: a stat-based key
(dev+ino+size+mtime) can serve stale data after `cp -p`, package tools that set mtimes, or
same-size rewrites within the timestamp resolution, while hashing a 9 MB vmlinuz costs ~20 ms
against ~1 s of decompression. Entries are written to a temp file and renamed, so readers never
see a partial file; every cache failure (read-only dir, full disk) is ignored.

Nobody else may steer it: the directory is created 0700, and one that is not the user's or that
group or others may write is not used (one warning); inside it no symbolic link is followed
(lstat, O_NOFOLLOW, temporary files created exclusively under random names), so neither a forged
entry nor a planted link can change an answer or make kmodx write or delete elsewhere.
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

const warned = new Set<string>();

/** One line on stderr, once per process for each distinct problem: the cache is an optimisation, never a reason to stop. */
function warn(message: string): void {
	if (!warned.has(message)) {
		warned.add(message);
		process.stderr.write(`kmodx: warning: ${terminalSafe(message)}\n`);
	}
}

/** The problem with a cache directory's owner and mode, or undefined when only the user can write it. */
function ownershipProblem(stats: {uid: number; mode: number}): string | undefined {
	const uid = process.getuid?.();
	if (uid !== undefined && stats.uid !== uid) {
		return `is owned by uid ${stats.uid}, not by you (uid ${uid})`;
	}

	return (stats.mode & 0o022) === 0 ? undefined : `is writable by ${(stats.mode & 0o020) === 0 ? 'others' : 'its group'} (mode ${(stats.mode & 0o777).toString(8)}; chmod go-w to use it)`;
}

// Whether a directory is fit to be used (decided once per process: the answer is only ever "no" for a hostile setup).
const verdicts = new Map<string, boolean>();

/**
Whether the cache directory `dir` may be used: created 0700 when `create` and missing; it (the
place a symbolic link at `dir` leads to) must be a directory of the user's that group and others
cannot write. Otherwise one warning, and the run goes on without the cache.
*/
function usableRoot(dir: string, create: boolean): boolean {
	const known = verdicts.get(dir);
	if (known !== undefined) {
		return known;
	}

	let stats;
	try {
		stats = statSync(dir);
	} catch {
		if (!create) {
			return false; // Nothing cached yet; decided when something is written.
		}

		try {
			mkdirSync(dir, {recursive: true, mode: 0o700});
			stats = statSync(dir);
		} catch {
			return false; // A read-only place: no cache, as before.
		}
	}

	const problem = stats.isDirectory() ? ownershipProblem(stats) : 'is not a directory';
	if (problem) {
		warn(`the cache directory ${dir} ${problem}: running without the cache`);
	}

	verdicts.set(dir, problem === undefined);
	return problem === undefined;
}

/** Whether a kind's directory (`<dir>/<kind>-v1`) may be used: a real directory (never a link) of the user's, created 0700. */
function usableKind(directory: string, create: boolean): boolean {
	let stats;
	try {
		stats = lstatSync(directory);
	} catch {
		if (!create) {
			return false;
		}

		try {
			mkdirSync(directory, {mode: 0o700});
			stats = lstatSync(directory);
		} catch {
			return false;
		}
	}

	const problem = stats.isSymbolicLink() ? 'is a symbolic link' : stats.isDirectory() ? ownershipProblem(stats) : 'is not a directory';
	if (problem) {
		warn(`the cache directory ${directory} ${problem}: running without that part of the cache`);
	}

	return problem === undefined;
}

/** A cached entry, or undefined (missing, unreadable, or not a regular file: a link is never followed). */
export async function readCache(dir: string | undefined, kind: string, key: string): Promise<Uint8Array | undefined> {
	if (!dir) return undefined;
	const file = entryPath(dir, kind, key);
	if (!usableRoot(dir, false) || !usableKind(path.dirname(file), false)) return undefined;
	let descriptor: number | undefined;
	try {
		// Synchronous: a page-cache read of a few MB is faster than the thread-pool round trip.
		descriptor = openSync(file, constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK);
		return fstatSync(descriptor).isFile() ? readFileSync(descriptor) : undefined;
	} catch {
		return undefined;
	} finally {
		if (descriptor !== undefined) closeSync(descriptor);
	}
}

/**
Store an entry atomically; returns false when it could not (never throws). `keep` bounds the
entries of this kind (small ones, such as one translation unit's symtypes, can keep more). The
temporary file is created exclusively under a random name (a link planted there fails the
write, it is not followed); the rename replaces the entry's name, never what a link points to.
*/
export async function writeCache(dir: string | undefined, kind: string, key: string, data: Uint8Array, keep = entriesPerKind): Promise<boolean> {
	if (!dir) return false;
	const target = entryPath(dir, kind, key);
	if (!usableRoot(dir, true) || !usableKind(path.dirname(target), true)) return false;
	const {randomBytes} = require('node:crypto') as typeof import('node:crypto');
	const temporary = `${target}.${randomBytes(8).toString('hex')}.tmp`;
	let created = false;
	try {
		const handle = await open(temporary, 'wx', 0o600);
		created = true;
		try {
			await handle.writeFile(data);
		} finally {
			await handle.close();
		}

		await rename(temporary, target);
		created = false;
		await prune(path.dirname(target), keep);
		return true;
	} catch {
		if (created) await unlink(temporary).catch(() => undefined);
		return false;
	}
}

/**
Entries kept per kind. Keys follow file content or identity, so every new kernel file adds one
(2–5 MB each): without a bound the cache would only grow. The least recently written go first.
*/
export const entriesPerKind = 32;

/** Only regular `.bin` files are counted and removed (lstat: a link is neither followed nor taken for an entry). */
async function prune(directory: string, keep: number): Promise<void> {
	const names = (await readdir(directory)).filter(name => name.endsWith('.bin'));
	if (names.length <= keep) {
		return;
	}

	const entries = (await Promise.all(names.map(async name => {
		const stats = await lstat(path.join(directory, name)).catch(() => undefined);
		return stats?.isFile() ? {name, mtime: stats.mtimeMs} : undefined;
	}))).filter(entry => entry !== undefined);
	entries.sort((a, b) => a.mtime - b.mtime);
	await Promise.all(entries.slice(0, Math.max(0, entries.length - keep)).map(async ({name}) => unlink(path.join(directory, name)).catch(() => undefined)));
}

/** KMODX_NO_CACHE=1 turns every cache off (benchmarks of the cold path). */
export function cacheDisabled(env: NodeJS.ProcessEnv = process.env): boolean {
	return Boolean(env['KMODX_NO_CACHE']);
}

/** Forget a bad entry (e.g. one that no longer parses); unlink removes a name, never what a link points to. */
export async function dropCache(dir: string | undefined, kind: string, key: string): Promise<void> {
	if (!dir) return;
	const file = entryPath(dir, kind, key);
	if (!usableRoot(dir, false) || !usableKind(path.dirname(file), false)) return;
	await unlink(file).catch(() => undefined);
}
