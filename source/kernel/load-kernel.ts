import {closeSync, existsSync, openSync, readSync, statSync} from 'node:fs';
import {readFile} from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import zlib from 'node:zlib';
import {cacheEntryPath, fileIdentity, readCache, resolveCacheDir, unchangedSince, writeCache} from '../common/cache.js';
import {describeFsError} from '../common/fs-errors.js';
import {InputError} from '../common/input-error.js';
import {maybeDecompress} from '../compression/decompress.js';
import {isBzImage} from '../compression/vmlinuz.js';
import {detectCompression} from '../compression/detect.js';
import {isElf} from '../elf/elf-file.js';
import {tableHasCrcs, type ExportTable, type Kernel, type TypeSource} from './kernel.js';
import {parseKernelConfig, type KernelConfig} from './kernel-config.js';
import {nameHash} from '../common/name-hash.js';
import {packExports, PackedExports} from './packed-exports.js';
import {SymversTable} from './symvers.js';
import {labelFromPath, type KernelSpec, type LoadKernelOptions} from './kernel-spec.js';
import {readVmlinuxKernel} from './vmlinux.js';
import {installedLayout, loadInstalledTree} from './installed-tree.js';
import {readBounded} from '../common/read-bounded.js';
import {headersSourceTree, isHeadersDirectory, readText} from '../kbuild/headers-dir.js';

const symversNames = ['Module.symvers', 'Module.symvers.gz', 'Module.symvers.xz', 'Module.symvers.zst', 'symvers.gz', 'symvers.xz', 'symvers.zst', 'symvers'];
const configNames = ['.config', 'config', 'include/config/auto.conf'];

export async function loadKernel(spec: KernelSpec, options: LoadKernelOptions = {}): Promise<Kernel> {
	const {source} = spec;
	let stats;
	try {
		stats = statSync(source);
	} catch (error) {
		const code = (error as NodeJS.ErrnoException).code;
		if (code === 'ENOENT' && !source.includes('/') && /^\d+\.\d+/.test(source)) {
			return loadRelease(spec, options);
		}

		throw new InputError(source, describeFsError(error));
	}

	if (stats.isDirectory()) {
		return loadDirectory(spec, source, options);
	}

	return loadFile(spec, source, options);
}

/** Kernel inputs: a vmlinux with debug info is the largest (several hundred MB); nothing real reaches 1 GiB. */
export const maximumKernelFileSize = 1024 * 1024 * 1024;

/**
Module.symvers: Debian 6.1's is 1.9 MB (27,000 lines), enterprise kernels' a few MB; 64 MiB is
thirty times that. A bigger one (900 MB was accepted, and never answered) is refused: before it
is read when it is a plain file, else once decompressed.
*/
export const maximumSymversSize = 64 * 1024 * 1024;

function symversTooLarge(file: string): InputError {
	return new InputError(file, `larger than ${maximumSymversSize / 1024 / 1024} MiB: not a Module.symvers (limit; Debian 6.1's is 1.9 MB)`);
}

/** A regular file over the Module.symvers limit that is neither a kernel image, nor ELF, nor compressed: refused unread. */
export function refuseLargeSymvers(file: string): void {
	let stats;
	try {
		stats = statSync(file);
	} catch {
		return; // The read says why.
	}

	// Over the limit of any kernel file, the read refuses it as such (nothing it could be).
	if (!stats.isFile() || stats.size <= maximumSymversSize || stats.size > maximumKernelFileSize) {
		return;
	}

	const head = new Uint8Array(0x250);
	const fd = openSync(file, 'r');
	try {
		readSync(fd, head, 0, head.length, 0);
	} finally {
		closeSync(fd);
	}

	if (!isBzImage(head) && !isElf(head) && !detectCompression(head)) {
		throw symversTooLarge(file);
	}
}

async function readInput(file: string): Promise<Uint8Array> {
	return readBounded(file, maximumKernelFileSize, 'a kernel image, Module.symvers or config');
}

async function loadFile(spec: KernelSpec, file: string, options: LoadKernelOptions, extra?: {config?: KernelConfig; release?: string; files?: string[]; exportFlags?: boolean}): Promise<Kernel> {
	// The cache key is the file's identity before it is read: a file replaced while it is read
	// then fails the check after the read, and is not cached under either identity.
	const cached = await cachedSymvers(file);
	let exports = cached.exports;
	if (!exports) {
		refuseLargeSymvers(file);
		const raw = await readInput(file);
		if (isBzImage(raw) || isElf(raw)) {
			return readVmlinuxKernel(spec, file, raw, options);
		}

		const {data} = await maybeDecompress(raw, file);
		if (isElf(data)) {
			return readVmlinuxKernel(spec, file, data, options);
		}

		if (data.length > maximumSymversSize) {
			throw symversTooLarge(file);
		}

		const table = new SymversTable(data, file);
		await storeSymvers(file, cached.key, table);
		exports = table;
	}

	const release = extra?.release ?? releaseFromSymversName(file);
	const config = extra?.config;
	return {
		label: spec.label ?? release ?? labelFromPath(file),
		source: spec.source,
		kind: extra?.files ? 'headers' : 'symvers',
		files: [...(extra?.files ?? []), file],
		release,
		// The whole string only when the release is known: never a made-up one.
		vermagic: config && release ? `${release} ${config.vermagicFlags}` : undefined,
		vermagicFlags: config?.vermagicFlags,
		machine: config?.machine,
		// The config decides; without one, a Module.symvers of only 0x00000000 placeholders tells.
		modversions: config ? config.modversions : tableHasCrcs(exports),
		exportFlags: extra?.exportFlags,
		exports,
		modulesIncluded: true,
		config: config?.switches,
		typeSources: [],
	};
}

/**
A headers/build directory, any folder holding Module.symvers and a config, or an installed kernel:
`/lib/modules/<release>` (its `build` link to the headers when there is one, else the modules
themselves with the image), or a root holding one (an unpacked linux-image package).
*/
async function loadDirectory(spec: KernelSpec, directory: string, options: LoadKernelOptions): Promise<Kernel> {
	const build = path.join(directory, 'build');
	const symvers = symversNames.map(name => path.join(directory, name)).find(file => existsSync(file));
	if (!symvers && existsSync(path.join(build, 'Module.symvers'))) {
		return loadDirectory({...spec, source: spec.source}, build, options);
	}

	if (!symvers) {
		const layout = installedLayout(directory);
		if (layout) {
			return loadInstalledTree(spec.label, spec.source, layout, {
				onProgress: options.onProgress,
				loadImage: async file => loadFile({label: undefined, source: file}, file, options),
			});
		}

		throw new InputError(directory, `not a kernel: no Module.symvers here (looked for ${symversNames.join(', ')}), and not an installed kernel (lib/modules/<release> with modules.order, modules.dep or kernel/)`);
	}

	const files: string[] = [];
	let config: KernelConfig | undefined;
	const configFile = configNames.map(name => path.join(directory, name)).find(file => existsSync(file))
		?? (existsSync(path.join(directory, 'config.gz')) ? path.join(directory, 'config.gz') : undefined);
	if (configFile) {
		const {data} = await maybeDecompress(await readInput(configFile), configFile);
		config = parseKernelConfig(Buffer.from(data).toString('utf8'));
		files.push(configFile);
	}

	const release = await readRelease(directory, files);
	const exportFlags = await headersExportFlags(directory);
	const kernel = await loadFile(spec, symvers, options, {config, release, files, exportFlags});
	// Debian's headers packages (6.12 on) ship the kernel's BTF as a `vmlinux` beside Module.symvers.
	const headersBtf = path.join(directory, 'vmlinux');
	// kbuild can build against it only when it is a headers directory, not any folder with a Module.symvers.
	const typeSources: TypeSource[] = [
		...(isHeadersDirectory(directory) ? [{kind: 'headers' as const, path: directory}] : []),
		...(existsSync(headersBtf) ? [{kind: 'btf' as const, path: headersBtf}] : []),
	];
	return {...kernel, label: spec.label ?? release ?? labelFromPath(directory), typeSources};
}

/**
Whether the headers' kernel has `__kflagstab` symbol tables: its `include/linux/module_symbol.h`
(in Debian's `-common` tree) defines KSYM_FLAG_GPL_ONLY. Undefined without headers to read.
*/
async function headersExportFlags(directory: string): Promise<boolean | undefined> {
	const tree = await headersSourceTree(directory);
	const header = await readText(path.join(tree, 'include/linux/module_symbol.h'));
	if (header !== undefined) {
		return header.includes('KSYM_FLAG_GPL_ONLY');
	}

	return existsSync(path.join(tree, 'include/linux/module.h')) ? false : undefined;
}

async function readRelease(directory: string, files: string[]): Promise<string | undefined> {
	// UTS_RELEASE is what vermagic and `uname -r` use; Debian's kernel.release holds the upstream version.
	const uts = path.join(directory, 'include/generated/utsrelease.h');
	if (existsSync(uts)) {
		files.push(uts);
		const release = /UTS_RELEASE\s+"([^"]+)"/.exec(await readFile(uts, 'utf8'))?.[1];
		if (release) {
			return release;
		}
	}

	const releaseFile = path.join(directory, 'include/config/kernel.release');
	if (existsSync(releaseFile)) {
		files.push(releaseFile);
		return (await readFile(releaseFile, 'utf8')).trim() || undefined;
	}

	// /lib/modules/<release>/build and /usr/src/linux-headers-<release> name the release.
	const base = path.basename(path.resolve(directory));
	const parent = path.basename(path.dirname(path.resolve(directory)));
	if (base.startsWith('linux-headers-')) {
		return base.slice('linux-headers-'.length);
	}

	if (base === 'build' && path.basename(path.dirname(path.dirname(path.resolve(directory)))) === 'modules') {
		return parent;
	}

	return undefined;
}

/** A release name (`6.1.0-56-amd64`) looked up where distributions install kernels. */
async function loadRelease(spec: KernelSpec, options: LoadKernelOptions): Promise<Kernel> {
	const release = spec.source;
	const root = options.root ?? '/';
	const candidates = releaseCandidates(root, release);
	for (const candidate of candidates) {
		if (existsSync(candidate) && (!/\/lib\/modules\/[^/]+$/.test(candidate) || installedLayout(candidate) !== undefined)) {
			// eslint-disable-next-line no-await-in-loop -- in order of preference: the first candidate that is there wins.
			const kernel = await loadKernel({label: spec.label ?? release, source: candidate}, options);
			// The running kernel publishes its own BTF: `why` needs nothing else for it.
			const runningBtf = path.join(root, 'sys/kernel/btf/vmlinux');
			const typeSources = release === runningRelease() && existsSync(runningBtf) && !kernel.typeSources.some(source => source.kind === 'btf')
				? [...kernel.typeSources, {kind: 'btf' as const, path: runningBtf}]
				: kernel.typeSources;
			return {...kernel, source: spec.source, release: kernel.release ?? release, typeSources};
		}
	}

	throw new InputError(release, `no kernel found for this release; tried ${candidates.join(', ')}. Install its headers (Debian/Ubuntu: apt install linux-headers-${release}; Fedora/RHEL: dnf install kernel-devel-${release}) or pass -k PATH`);
}

export function releaseCandidates(root: string, release: string): string[] {
	return [
		path.join(root, 'lib/modules', release, 'build'),
		path.join(root, 'usr/src', `linux-headers-${release}`),
		path.join(root, 'usr/src/kernels', release),
		path.join(root, 'boot', `symvers-${release}.gz`),
		path.join(root, 'boot', `symvers-${release}.xz`),
		path.join(root, 'boot', `symvers-${release}.zst`),
		path.join(root, 'lib/modules', release, 'symvers.gz'),
		path.join(root, 'lib/modules', release, 'symvers.xz'),
		path.join(root, 'lib/modules', release, 'symvers.zst'),
		// Installed without headers: the image and every module of the tree (installed-tree.ts).
		path.join(root, 'lib/modules', release),
		path.join(root, 'usr/lib/modules', release),
		// Only the image: vmlinux's exports, not its modules'.
		path.join(root, 'boot', `vmlinuz-${release}`),
	];
}

/**
A validated Module.symvers is kept as a packed export table, so the next run neither decompresses
nor rescans it. The identity covers the file's path, inode and every timestamp: any write changes
ctime, which no user tool can set back, so a changed file is never served stale. The entry's name
is a hash of the identity and the entry holds the identity itself, so a colliding name is a miss.
*/
async function symversCacheKey(file: string): Promise<{name: string; identity: string} | undefined> {
	const identity = await fileIdentity(file);
	// Small files cost less to read than to cache.
	if (!identity || identity.size < 64n * 1024n) {
		return undefined;
	}

	const hex = (value: number) => (value >>> 0).toString(16).padStart(8, '0');
	return {name: hex(zlib.crc32(identity.key)) + hex(nameHash(identity.key)), identity: identity.key};
}

const symversCacheKind = 'symvers-packed-3';

type SymversKey = {name: string; identity: string};

/** The cached table of `file`, if any, and the key (the file's identity now, before any read). */
async function cachedSymvers(file: string): Promise<{exports?: ExportTable; key?: SymversKey}> {
	const directory = resolveCacheDir(undefined);
	const key = directory ? await symversCacheKey(file) : undefined;
	const data = key ? await readCache(directory, symversCacheKind, key.name) : undefined;
	return {exports: data && key ? PackedExports.open(data, cacheEntryPath(directory!, symversCacheKind, key.name), key.identity) : undefined, key};
}

/** Caches `table` under `before`, the identity taken before the read, only if the file still has it. */
async function storeSymvers(file: string, before: SymversKey | undefined, table: SymversTable): Promise<void> {
	const directory = resolveCacheDir(undefined);
	if (directory && before && await unchangedSince(file, before.identity)) {
		await writeCache(directory, symversCacheKind, before.name, packExports(table.all(), before.identity));
	}
}

export function runningRelease(): string {
	return os.release();
}

function releaseFromSymversName(file: string): string | undefined {
	return /^symvers-(.+?)(\.(gz|xz|zst))?$/.exec(path.basename(file))?.[1];
}
