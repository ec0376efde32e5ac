import {gunzipSync} from 'node:zlib';
import {InputError, isInputError} from '../common/input-error.js';
import {readBounded} from '../common/read-bounded.js';
import {detectCompression} from '../compression/detect.js';
import {defaultMaxSize, sizeExceeded} from '../compression/limits.js';
import {extractVmlinux, isBzImage} from '../compression/vmlinuz.js';
import {Btf, isRawBtf, parseBtf} from './btf.js';
import {type CacheOption, contentHash, dropCache, imageBtfCacheKind, readCache, resolveCacheDir, writeCache} from '../common/cache.js';
import {btfFromElf, isElf} from './btf-from-elf.js';

export type LoadBtfOptions = {
	/** false: no cache; a string: that cache dir; default: KMODX_CACHE_DIR / $XDG_CACHE_HOME/kmodx. */
	cache?: CacheOption;
	/** Base BTF for split BTF (a module's .BTF, /sys/kernel/btf/<module>). */
	base?: Btf;
};

export type BtfSourceKind = 'raw' | 'elf' | 'vmlinuz';

export type LoadedBtf = {
	btf: Btf;
	source: BtfSourceKind;
	/** vmlinuz only: whether the extracted BTF came from the cache. */
	cache: 'hit' | 'miss' | 'off' | undefined;
};

/** Read BTF from raw BTF, gzip'd raw BTF, an ELF (vmlinux, .ko) or a vmlinuz, detected by magic. */
export async function loadBtf(file: string, options: LoadBtfOptions = {}): Promise<Btf> {
	return (await loadBtfFrom(file, options)).btf;
}

export async function loadBtfFrom(file: string, options: LoadBtfOptions = {}): Promise<LoadedBtf> {
	// The largest BTF source is a vmlinux with debug info, some hundred MB.
	const data = await readBounded(file, 1024 * 1024 * 1024, 'raw BTF, a vmlinux or a vmlinuz');

	return btfFromBytes(data, file, options);
}

export async function btfFromBytes(data: Uint8Array, file: string, options: LoadBtfOptions = {}): Promise<LoadedBtf> {
	const base = options.base;
	if (data[0] === 0x1f && data[1] === 0x8b) {
		// A gzip'd raw BTF or vmlinux (test fixtures, copies of /sys/kernel/btf/vmlinux).
		let inner: Uint8Array;
		try {
			// Bounded like every decompression: a gzip'd bomb must not fill memory before it is judged.
			inner = gunzipSync(data, {maxOutputLength: defaultMaxSize});
		} catch (error) {
			throw (error as NodeJS.ErrnoException).code === 'ERR_BUFFER_TOO_LARGE' ? sizeExceeded(file, defaultMaxSize) : new InputError(file, `bad gzip data: ${(error as Error).message}`);
		}

		if (isRawBtf(inner) || isElf(inner)) return btfFromBytes(inner, file, options);
	}

	if (isRawBtf(data)) return {btf: parseBtf(data, {file, base}), source: 'raw', cache: undefined};
	if (isElf(data)) return {btf: parseBtf(btfFromElf(data, file), {file, base}), source: 'elf', cache: undefined};

	const dir = resolveCacheDir(options.cache);
	const key = dir ? contentHash(data) : '';
	const cached = await readCache(dir, imageBtfCacheKind, key);
	if (cached) {
		try {
			return {btf: parseBtf(cached, {file, base}), source: 'vmlinuz', cache: 'hit'};
		} catch {
			// A damaged entry is re-extracted below and overwritten.
			await dropCache(dir, imageBtfCacheKind, key);
		}
	}

	let elf: Uint8Array;
	try {
		({elf} = await extractVmlinux(data, file));
	} catch (error) {
		// Something that is not even shaped like a kernel image gets the plain answer.
		if (isInputError(error) && !looksLikeVmlinuz(data)) throw new InputError(file, 'not BTF: expected raw BTF, an ELF with a .BTF section, or a vmlinuz');
		throw error;
	}

	const raw = btfFromElf(elf, file);
	const btf = parseBtf(raw, {file, base});
	// Store only the BTF bytes the header covers, copied out of the 65 MB ELF.
	await writeCache(dir, imageBtfCacheKind, key, raw.slice(0, btf.byteLength));
	return {btf, source: 'vmlinuz', cache: dir ? 'miss' : 'off'};
}

/** x86 bzImage ("HdrS" at 0x202), an EFI/zImage stub ("MZ"), or a bare compressed stream. */
function looksLikeVmlinuz(data: Uint8Array): boolean {
	return isBzImage(data) || (data[0] === 0x4D && data[1] === 0x5A) || detectCompression(data) !== undefined;
}
