import {existsSync, readdirSync, statSync} from 'node:fs';
import path from 'node:path';
import {cacheEntryPath, contentHash, readCache, resolveCacheDir, writeCache} from '../common/cache.js';
import {describeFsError} from '../common/fs-errors.js';
import {InputError} from '../common/input-error.js';
import {maybeDecompress} from '../compression/decompress.js';
import type {ModuleInfo} from '../module/module-info.js';
import {readBounded} from '../common/read-bounded.js';
import {readModuleSparse} from '../module/read-module-sparse.js';
import type {ExportTable, Kernel, KernelExport, KernelSwitches} from './kernel.js';
import {parseKernelConfig, type KernelConfig} from './kernel-config.js';
import {packExports, PackedExports} from './packed-exports.js';

/*
An installed kernel: `/lib/modules/<release>/` with every module of the build, and the image
(`/boot/vmlinuz-<release>`, or `vmlinuz` in the modules directory as Fedora and Arch install it).
Together they are as complete as the build's Module.symvers: vmlinux's exports from the image,
every module's from its own `__ksymtab*`/`__kcrctab*`. A stock machine has this for every kernel
it can boot, headers or not. Unpacked packages (`dpkg-deb -x linux-image-….deb ROOT`) have the
same layout under ROOT.
*/

const moduleFile = /\.ko(\.(gz|xz|zst))?$/;

export type InstalledLayout = {
	/** The `…/lib/modules/<release>` directory. */
	modulesDirectory: string;
	/** Its name: the release the tree was installed for. */
	release: string;
	/** Where the image may be, in the order looked at. */
	images: string[];
	configs: string[];
};

/**
The layout of an installed kernel at `directory`: a modules directory (it holds `modules.order`,
`modules.dep`, `modules.builtin` or `kernel/`), or a root with exactly one `lib/modules/<release>`
(an unpacked image package). Undefined when `directory` is neither.
*/
export function installedLayout(directory: string): InstalledLayout | undefined {
	const resolved = path.resolve(directory);
	if (isModulesDirectory(resolved)) {
		return layoutOf(resolved);
	}

	for (const base of ['lib/modules', 'usr/lib/modules']) {
		const parent = path.join(resolved, base);
		let releases: string[];
		try {
			releases = readdirSync(parent).filter(name => isModulesDirectory(path.join(parent, name)));
		} catch {
			continue;
		}

		if (releases.length === 1) {
			return layoutOf(path.join(parent, releases[0]!));
		}

		if (releases.length > 1) {
			throw new InputError(directory, `holds several installed kernels (${releases.join(', ')}): give one, e.g. -k ${path.join(parent, releases[0]!)}`);
		}
	}

	return undefined;
}

function isModulesDirectory(directory: string): boolean {
	return ['modules.order', 'modules.dep', 'modules.builtin'].some(name => existsSync(path.join(directory, name))) || isDirectory(path.join(directory, 'kernel'));
}

function isDirectory(file: string): boolean {
	try {
		return statSync(file).isDirectory();
	} catch {
		return false;
	}
}

function layoutOf(modulesDirectory: string): InstalledLayout {
	const release = path.basename(modulesDirectory);
	const images = [path.join(modulesDirectory, 'vmlinuz'), path.join(modulesDirectory, 'vmlinux')];
	const configs = [path.join(modulesDirectory, 'config')];
	// ROOT/lib/modules/<release> or ROOT/usr/lib/modules/<release>: the image is in ROOT/boot.
	const modules = path.dirname(modulesDirectory);
	const lib = path.dirname(modules);
	if (path.basename(modules) === 'modules' && path.basename(lib) === 'lib') {
		const roots = [path.dirname(lib)];
		if (path.basename(path.dirname(lib)) === 'usr') {
			roots.push(path.dirname(path.dirname(lib)));
		}

		for (const root of roots) {
			images.push(path.join(root, 'boot', `vmlinuz-${release}`), path.join(root, 'boot', `vmlinux-${release}`));
			configs.unshift(path.join(root, 'boot', `config-${release}`));
		}
	}

	return {modulesDirectory, release, images, configs};
}

/**
Every module file under the tree, in byte order of their paths; `updates/` first, as depmod
searches it before the rest. `build` and `source` (links to the headers and sources) are not
walked; links to module files (RHEL's `weak-updates/`) and to directories are followed, as
depmod follows them (it stats through links), each directory entered once (a loop ends).
*/
function treeModules(directory: string): string[] {
	const found: string[] = [];
	const entered = new Set<string>();
	const walk = (current: string, top: boolean) => {
		const stats = statSync(current);
		const identity = `${stats.dev}:${stats.ino}`;
		if (entered.has(identity)) {
			return;
		}

		entered.add(identity);
		let entries;
		try {
			entries = readdirSync(current, {withFileTypes: true}).sort((a, b) => (a.name < b.name ? -1 : (a.name > b.name ? 1 : 0)));
		} catch (error) {
			throw new InputError(current, describeFsError(error));
		}

		for (const entry of entries) {
			const full = path.join(current, entry.name);
			if (top && (entry.name === 'build' || entry.name === 'source')) {
				continue;
			}

			if (entry.isDirectory() || (entry.isSymbolicLink() && isDirectory(full))) {
				walk(full, false);
			} else if (moduleFile.test(entry.name) && (entry.isFile() || (entry.isSymbolicLink() && isFile(full)))) {
				found.push(full);
			}
		}
	};

	walk(directory, true);
	const updates = path.join(directory, 'updates') + path.sep;
	return [...found.filter(file => file.startsWith(updates)), ...found.filter(file => !file.startsWith(updates))];
}

function isFile(file: string): boolean {
	try {
		return statSync(file).isFile();
	} catch {
		return false;
	}
}

/** What the cache keeps besides the export table. */
type TreeRecord = {
	release: string | undefined;
	vermagic: string | undefined;
	vermagicFlags: string | undefined;
	machine: number | undefined;
	switches: KernelSwitches | undefined;
	image: string;
	config: string | undefined;
	hasBtf: boolean;
	modversions: boolean | undefined;
	exportFlags: boolean | undefined;
	/** Modules whose exports count, and those left out because they cannot load on this kernel. */
	modules: number;
	skipped: string[];
	/** Modules that cannot be read (damaged, over the size limit), with why: what they export is not known. */
	unreadable: string[];
};

/** Bump when the entry's meaning changes. */
const cacheKind = 'installed-tree-3';

export type LoadTreeOptions = {
	onProgress?: (message: string) => void;
	/** Loads the image (load-kernel.ts): vmlinux's exports, release, vermagic, BTF. */
	loadImage: (file: string) => Promise<Kernel>;
};

/**
The installed kernel in `layout` as one export table: vmlinux's, then every module's that can load
on it. Cached under the identity (path, inode, size, times) of the image, the config and every
module file: adding, removing or rewriting any of them is a new entry, never a stale one.
*/
export async function loadInstalledTree(label: string | undefined, source: string, layout: InstalledLayout, options: LoadTreeOptions): Promise<Kernel> {
	const image = layout.images.find(file => isFile(file));
	if (!image) {
		throw new InputError(layout.modulesDirectory, `an installed kernel needs its image for vmlinux's exports; none found (looked for ${layout.images.join(', ')}): give it with -k IMAGE, or the kernel's Module.symvers or headers directory`);
	}

	const configFile = layout.configs.find(file => isFile(file));
	const files = treeModules(layout.modulesDirectory);
	if (files.length === 0) {
		throw new InputError(layout.modulesDirectory, 'no kernel modules (*.ko, *.ko.gz, *.ko.xz, *.ko.zst) in this installed kernel');
	}

	const directory = resolveCacheDir(undefined);
	const identity = treeIdentity([image, configFile ?? '', ...files]);
	const key = identity.slice(0, 32);
	const cached = directory ? openEntry(await readCache(directory, cacheKind, key), cacheEntryPath(directory, cacheKind, key), identity) : undefined;
	if (cached) {
		return kernelOf(label, source, layout, cached.record, cached.exports);
	}

	const kernel = await options.loadImage(image);
	let config: KernelConfig | undefined;
	if (configFile) {
		const {data} = await maybeDecompress(await readBounded(configFile, 64 * 1024 * 1024, 'a kernel config'), configFile);
		config = parseKernelConfig(Buffer.from(data).toString('utf8'));
	}

	options.onProgress?.(`reading the ${files.length} modules of ${layout.modulesDirectory}`);
	const vermagicFlags = kernel.vermagicFlags ?? config?.vermagicFlags;
	const release = kernel.release ?? layout.release;
	const vermagic = kernel.vermagic ?? (config && release ? `${release} ${config.vermagicFlags}` : undefined);
	// The config decides; without one, the image (does it have __kcrctab?).
	const modversions = config ? config.modversions : kernel.modversions;
	const {exports, counted, skipped, unreadable} = await treeExports(kernel, files, layout.modulesDirectory, {
		layoutCrc: modversions === false ? undefined : kernel.exports.get('module_layout')?.crc,
		vermagicFlags,
		vermagic: modversions === false ? vermagic : undefined,
	}, options.onProgress);
	const packed = packExports(exports, identity);
	const record: TreeRecord = {
		release,
		vermagic,
		vermagicFlags,
		modversions,
		exportFlags: kernel.exportFlags,
		machine: kernel.machine ?? config?.machine,
		switches: config?.switches,
		image,
		config: configFile,
		hasBtf: kernel.typeSources.some(entry => entry.kind === 'btf'),
		modules: counted,
		skipped,
		unreadable,
	};
	if (directory) {
		await writeCache(directory, cacheKind, key, entryBytes(record, packed));
	}

	const table = PackedExports.open(packed, layout.modulesDirectory);
	if (!table) {
		throw new Error(`${layout.modulesDirectory}: the export table just packed does not open`);
	}

	const result = kernelOf(label, source, layout, record, table);
	// The BTF of an image just decompressed is handed on, so `why` never decompresses it again.
	return {...result, typeSources: kernel.typeSources};
}

/** vmlinux's exports and every module's, as depmod sees the tree; modules the kernel would refuse are skipped. */
async function treeExports(kernel: Kernel, files: string[], modulesDirectory: string, expected: TreeExpectations, onProgress?: (message: string) => void) {
	const exports: KernelExport[] = [...kernel.exports.all()];
	const seenModules = new Set<string>();
	const skipped: string[] = [];
	const unreadable: string[] = [];
	let counted = 0;
	for (const [index, file] of files.entries()) {
		// A live count for the explorer's loading frame, every few hundred modules.
		if (onProgress && index % 250 === 0) {
			onProgress(`reading the modules of ${modulesDirectory}: ${index.toLocaleString('en-US')} of ${files.length.toLocaleString('en-US')}`);
		}

		let module: ModuleInfo;
		try {
			// eslint-disable-next-line no-await-in-loop -- one module at a time: memory stays flat.
			module = await readTreeModule(file);
		} catch (error) {
			// One damaged or oversized module does not make the kernel unusable: only what it may
			// export is unknown, and imports not found elsewhere are undecided (check-module.ts).
			if (!(error instanceof InputError)) {
				throw error;
			}

			unreadable.push(`${path.relative(modulesDirectory, file)}: ${error.problem}`);
			continue;
		}

		// depmod: a module name found twice is the first one (updates/ before the rest).
		if (seenModules.has(module.name)) {
			continue;
		}

		seenModules.add(module.name);
		const refusal = refusedBy(module, expected);
		if (refusal) {
			skipped.push(`${path.relative(modulesDirectory, file)}: ${refusal}`);
			continue;
		}

		counted++;
		const exporter = exporterName(modulesDirectory, file);
		for (const entry of module.exports) {
			exports.push({name: entry.name, crc: entry.crc, module: exporter, exportType: entry.exportType, namespace: entry.namespace});
		}
	}

	return {exports, counted, skipped, unreadable};
}

/**
What the tree's entry is made from: each file's path, device, inode, size, mtime and ctime (any
write changes ctime), hashed. Plain stats, not BigInt ones: 4,000 of them in a fraction of the
time, and a double holds a millisecond time to a fraction of a microsecond.
*/
function treeIdentity(files: string[]): string {
	const lines: string[] = [];
	for (const file of files) {
		if (file === '') {
			lines.push('-');
			continue;
		}

		try {
			const stats = statSync(file);
			lines.push(`${file}:${stats.dev}:${stats.ino}:${stats.size}:${stats.mtimeMs}:${stats.ctimeMs}`);
		} catch {
			lines.push(`${file}:?`);
		}
	}

	return contentHash(Buffer.from(lines.join('\n')));
}

async function readTreeModule(file: string): Promise<ModuleInfo> {
	try {
		return await readModuleSparse(file);
	} catch (error) {
		if (error instanceof InputError) {
			throw error;
		}

		throw new InputError(file, `cannot read: ${(error as Error).message}`);
	}
}

/** What the tree's kernel checks before any symbol: module_layout's CRC, and vermagic (the whole string without modversions). */
type TreeExpectations = {layoutCrc: number | undefined; vermagicFlags: string | undefined; vermagic: string | undefined};

/**
Why the kernel would refuse to load a module of its own tree (a stale DKMS build in `updates/` or
`extra/`, a link to another kernel's module): it then exports nothing. The checks the kernel makes
before it resolves any symbol: module_layout, then vermagic.
*/
function refusedBy(module: ModuleInfo, {layoutCrc, vermagicFlags, vermagic}: TreeExpectations): string | undefined {
	const modmagic = module.modinfo.find(([name]) => name === 'vermagic')?.[1];
	// Without modversions same_magic() is strcmp(): a module of another release is refused.
	if (vermagic !== undefined) {
		return modmagic === undefined || modmagic === vermagic ? undefined : `vermagic '${modmagic}' differs`;
	}

	if (!module.hasVersions) {
		return undefined;
	}

	const crc = module.versions.find(version => version.name === 'module_layout')?.crc;
	if (layoutCrc !== undefined && crc !== undefined && crc !== layoutCrc) {
		return 'module_layout differs: built for another kernel';
	}

	if (vermagicFlags !== undefined && modmagic !== undefined && modmagic.slice(modmagic.indexOf(' ') + 1) !== vermagicFlags) {
		return `vermagic '${modmagic}' differs`;
	}

	return undefined;
}

/** Module.symvers names an in-tree module by its path under `kernel/`, without `.ko`; others by their path in the tree. */
export function exporterName(modulesDirectory: string, file: string): string {
	const relative = path.relative(modulesDirectory, file).split(path.sep).join('/');
	return relative.replace(/^kernel\//, '').replace(/\.ko(\.(gz|xz|zst))?$/, '');
}

function kernelOf(label: string | undefined, source: string, layout: InstalledLayout, record: TreeRecord, exports: ExportTable): Kernel {
	return {
		label: label ?? record.release ?? layout.release,
		source,
		kind: 'installed',
		files: [record.image, ...(record.config ? [record.config] : []), layout.modulesDirectory],
		release: record.release,
		vermagic: record.vermagic,
		vermagicFlags: record.vermagicFlags,
		machine: record.machine,
		modversions: record.modversions,
		exportFlags: record.exportFlags,
		exports,
		modulesIncluded: true,
		config: record.switches,
		typeSources: record.hasBtf ? [{kind: 'btf', path: record.image}] : [],
		modules: {counted: record.modules, skipped: record.skipped, unreadable: record.unreadable},
	};
}

/** A cache entry: u32 length of the record's JSON, the JSON, padding to 4 bytes, the packed table. */
function entryBytes(record: TreeRecord, packed: Uint8Array): Buffer {
	const json = Buffer.from(JSON.stringify(record));
	const head = Buffer.alloc(4);
	head.writeUInt32LE(json.length);
	const padding = Buffer.alloc((4 - ((4 + json.length) % 4)) % 4);
	return Buffer.concat([head, json, padding, packed]);
}

function openEntry(data: Uint8Array | undefined, origin: string, identity: string): {record: TreeRecord; exports: PackedExports} | undefined {
	if (!data || data.byteLength < 4) {
		return undefined;
	}

	const bytes = Buffer.from(data.buffer, data.byteOffset, data.byteLength);
	const length = bytes.readUInt32LE(0);
	if (4 + length > bytes.length) {
		return undefined;
	}

	let record: TreeRecord;
	try {
		record = JSON.parse(bytes.toString('utf8', 4, 4 + length)) as TreeRecord;
	} catch {
		return undefined;
	}

	if (typeof record !== 'object' || record === null || typeof record.image !== 'string' || !Array.isArray(record.skipped) || !Array.isArray(record.unreadable) || !record.unreadable.every(entry => typeof entry === 'string')) {
		return undefined;
	}

	const start = 4 + length + ((4 - ((4 + length) % 4)) % 4);
	const exports = PackedExports.open(bytes.subarray(start), origin, identity);
	return exports ? {record, exports} : undefined;
}
