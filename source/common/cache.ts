import {createHash} from 'node:crypto';
import {mkdirSync, readFileSync, renameSync, writeFileSync} from 'node:fs';
import os from 'node:os';
import path from 'node:path';

/**
Derived data (a kernel image's export table, extracted BTF) is cached under
`$KMODX_CACHE_DIR`, else `$XDG_CACHE_HOME/kmodx`, else `~/.cache/kmodx`. Keys are content
hashes, so a changed input can never be served stale. A cache that cannot be read or
written is silently skipped: it only ever saves time.
*/
export function cacheDirectory(): string {
	const explicit = process.env['KMODX_CACHE_DIR'];
	if (explicit) {
		return explicit;
	}

	const xdg = process.env['XDG_CACHE_HOME'];
	return path.join(xdg && path.isAbsolute(xdg) ? xdg : path.join(os.homedir(), '.cache'), 'kmodx');
}

export function contentKey(data: Uint8Array, salt: string): string {
	return createHash('sha256').update(salt).update(data).digest('hex').slice(0, 32);
}

export function cacheRead(kind: string, key: string): Buffer | undefined {
	if (process.env['KMODX_NO_CACHE']) {
		return undefined;
	}

	try {
		return readFileSync(path.join(cacheDirectory(), kind, key));
	} catch {
		return undefined;
	}
}

export function cacheWrite(kind: string, key: string, data: Uint8Array | string): void {
	if (process.env['KMODX_NO_CACHE']) {
		return;
	}

	try {
		const directory = path.join(cacheDirectory(), kind);
		mkdirSync(directory, {recursive: true});
		const temporary = path.join(directory, `.${key}.${process.pid}.tmp`);
		writeFileSync(temporary, data);
		renameSync(temporary, path.join(directory, key));
	} catch {
		// Read-only home, full disk: run without the cache.
	}
}
