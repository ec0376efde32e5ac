import {createHash} from 'node:crypto';
import {readdirSync, statSync, type Dirent} from 'node:fs';
import {open, readFile, stat} from 'node:fs/promises';
import path from 'node:path';
import zlib from 'node:zlib';
import {fileIdentity, readCache, writeCache} from '../common/cache.js';
import {describeFsError} from '../common/fs-errors.js';
import {InputError} from '../common/input-error.js';
import {readXzBlockIndex, singleBlockStream, type XzBlockIndex} from '../compression/xz-container.js';
import {archiveCompression, decodeXzBlock, decompressedChunks, type ArchiveCompression} from './archive-stream.js';
import {parseStoredIndex, serializeIndex, SourceIndexBuilder, type SourceIndex} from './source-index.js';
import {TarReader} from './tar-reader.js';
import {ExtractionBudget, maximumMember} from './extraction-budget.js';
import {maxOf} from '../common/arrays.js';

export type Progress = (message: string) => void;

/**
A kernel source tree, as a tarball the way distributions ship it (`/usr/src/linux-source-6.1.tar.xz`)
or unpacked: its index, and the bytes of any file in it.
*/
export type KernelSource = {
	/** What the user gave. */
	path: string;
	kind: 'tarball' | 'directory';
	/** Changes whenever the source's content may have changed: part of every cache key. */
	identity: string;
	index: SourceIndex;
	/** Whether the index came from the cache or was built by reading the whole source. */
	indexFrom: 'cache' | 'built';
	/** The files' bytes, by tree-relative path; a file that is not in the tree is missing from the result. */
	read(files: readonly string[], onProgress?: Progress): Promise<Map<string, Buffer>>;
};

export type OpenSourceOptions = {
	cacheDir?: string;
	onProgress?: Progress;
	/** Bytes the source may hand out in all (extraction-budget.ts; tests give less). */
	maximumExtracted?: number;
};

const indexCacheKind = 'source-index';
const mebibyte = 1024 * 1024;
// Linux 6.1 is 1.3 GB of tar with 78,600 files: a stream 6 times that is not a kernel source tree.
const maximumTarSize = 8 * 1024 * mebibyte;
const maximumMembers = 1_000_000;

/** A tarball or a directory holding a kernel source tree; the index is built once and cached. */
export async function openKernelSource(source: string, options: OpenSourceOptions = {}): Promise<KernelSource> {
	let info;
	try {
		info = await stat(source);
	} catch (error) {
		throw new InputError(source, describeFsError(error));
	}

	if (info.isDirectory()) {
		return openDirectory(source, options);
	}

	if (!info.isFile()) {
		throw new InputError(source, 'not a regular file or directory: a kernel source tarball or tree is expected');
	}

	return openTarball(source, options);
}

async function cachedIndex(cacheDir: string | undefined, key: string, identity: string): Promise<SourceIndex | undefined> {
	const data = await readCache(cacheDir, indexCacheKind, key);
	if (!data) {
		return undefined;
	}

	try {
		const text = zlib.gunzipSync(data).toString('utf8');
		const newline = text.indexOf('\n');
		// The entry names its source: a colliding key is a miss, never another tree's index.
		return text.slice(0, newline) === identity ? parseStoredIndex(text.slice(newline + 1)) : undefined;
	} catch {
		return undefined;
	}
}

async function storeIndex(cacheDir: string | undefined, key: string, identity: string, index: SourceIndex): Promise<void> {
	await writeCache(cacheDir, indexCacheKind, key, zlib.gzipSync(`${identity}\n${serializeIndex(index)}`, {level: 1}));
}

/**
A tarball's identity without reading it (the same as `KernelSource.identity`), so that cached
answers can be found before the index is loaded; undefined for a directory, whose identity needs
a walk of the tree.
*/
export async function tarballIdentity(source: string): Promise<string | undefined> {
	try {
		if (!statSync(source).isFile()) {
			return undefined;
		}
	} catch {
		return undefined;
	}

	const identity = await fileIdentity(source);
	return identity ? `tarball:${identity.key}` : undefined;
}

const keyOf = (identity: string) => createHash('sha256').update(identity).digest('hex').slice(0, 32);

async function openTarball(file: string, options: OpenSourceOptions): Promise<KernelSource> {
	const before = await fileIdentity(file);
	if (!before) {
		throw new InputError(file, 'cannot stat it');
	}

	const identity = `tarball:${before.key}`;
	const key = keyOf(identity);
	const compression = await archiveCompression(file);
	options.onProgress?.(`reading the index of ${path.basename(file)}`);
	let index = await cachedIndex(options.cacheDir, key, identity);
	const indexFrom = index ? 'cache' : 'built';
	if (!index) {
		index = await indexTarball(file, compression, options.onProgress);
		// A tarball replaced while it was read would leave an index that later runs trust.
		if ((await fileIdentity(file))?.key === before.key) {
			await storeIndex(options.cacheDir, key, identity, index);
		}
	}

	const blocks = compression === 'xz' ? await xzBlocks(file) : undefined;
	const reader = new TarballReader(file, compression, index, blocks, new ExtractionBudget(file, options.maximumExtracted));
	return {path: file, kind: 'tarball', identity, index, indexFrom, read: async (files, onProgress) => reader.read(files, onProgress)};
}

async function indexTarball(file: string, compression: ArchiveCompression, onProgress?: Progress): Promise<SourceIndex> {
	const builder = new SourceIndexBuilder(file);
	let members = 0;
	const tar = new TarReader(file, {
		entry(entry) {
			if (++members > maximumMembers) {
				throw new InputError(file, `more than ${maximumMembers.toLocaleString('en-US')} members: not a kernel source tarball (limit)`);
			}

			if (entry.kind !== 'file') {
				return false;
			}

			const want = builder.wants(entry.path);
			if (!want) {
				builder.add(entry.path, entry.offset, entry.size);
			}

			return want;
		},
		data(entry, bytes) {
			builder.add(entry.path, entry.offset, entry.size, bytes);
		},
	});
	const name = path.basename(file);
	let reported = 0;
	for await (const chunk of decompressedChunks(file, compression)) {
		tar.push(chunk);
		if (tar.position > maximumTarSize) {
			throw new InputError(file, `decompresses to more than ${maximumTarSize / 1024 / mebibyte} GiB: not a kernel source tarball (limit)`);
		}

		if (onProgress && tar.position - reported >= 32 * mebibyte) {
			reported = tar.position;
			onProgress(`indexing ${name}: ${Math.round(tar.position / mebibyte).toLocaleString('en-US')} MB read`);
		}

		if (tar.done) {
			break;
		}
	}

	tar.end();
	return builder.finish();
}

async function xzBlocks(file: string): Promise<XzBlockIndex | undefined> {
	const handle = await open(file, 'r');
	try {
		const {size} = await handle.stat();
		const index = await readXzBlockIndex(async (offset, length) => {
			const buffer = Buffer.alloc(length);
			const {bytesRead} = await handle.read(buffer, 0, length, offset);
			return buffer.subarray(0, bytesRead);
		}, size, file);
		// One block (xz without -T) gives no random access: read it as a stream instead.
		return index && index.blocks.length > 1 ? index : undefined;
	} finally {
		await handle.close();
	}
}

type Wanted = {file: string; offset: number; size: number};

/** Reads members by their offsets: directly (plain tar), by xz block, or in one pass of the stream. */
class TarballReader {
	constructor(
		private readonly file: string,
		private readonly compression: ArchiveCompression,
		private readonly index: SourceIndex,
		private readonly blocks: XzBlockIndex | undefined,
		private readonly budget: ExtractionBudget,
	) {}

	/**
	Files read before, kept: a unit's Makefiles and its local headers come in one read, its
	Makefile's -I directories in a second, and a block of the tarball is decoded once, not per read.
	Bounded by the extraction budget, which charges each file once.
	*/
	private readonly held = new Map<string, Buffer>();
	private position: Map<string, number> | undefined;

	async read(files: readonly string[], onProgress?: Progress): Promise<Map<string, Buffer>> {
		this.position ??= new Map(this.index.files.map((file, index) => [file, index]));
		const wanted: Wanted[] = [];
		const result = new Map<string, Buffer>();
		for (const file of new Set(files)) {
			const index = this.position.get(file);
			const held = this.held.get(file);
			if (held) {
				result.set(file, held);
			} else if (index !== undefined) {
				wanted.push({file, offset: this.index.offsets[index]!, size: this.index.sizes[index]!});
			}
		}

		if (wanted.length === 0) {
			return result;
		}

		wanted.sort((a, b) => a.offset - b.offset);
		this.budget.take(wanted);
		const read = this.compression === 'none'
			? await this.readPlain(wanted)
			: await (this.blocks ? this.readBlocks(wanted, this.blocks, onProgress) : this.readStream(wanted, onProgress));
		for (const [file, data] of read) {
			this.held.set(file, data);
			result.set(file, data);
		}

		return result;
	}

	private async readPlain(wanted: Wanted[]): Promise<Map<string, Buffer>> {
		const result = new Map<string, Buffer>();
		const handle = await open(this.file, 'r');
		try {
			for (const item of wanted) {
				const buffer = Buffer.alloc(item.size);
				// eslint-disable-next-line no-await-in-loop
				await handle.read(buffer, 0, item.size, item.offset);
				result.set(item.file, buffer);
			}
		} finally {
			await handle.close();
		}

		return result;
	}

	private async readBlocks(wanted: Wanted[], blocks: XzBlockIndex, onProgress?: Progress): Promise<Map<string, Buffer>> {
		const result = new Map<string, Buffer>();
		const parts = new Map<string, Buffer>(wanted.map(item => [item.file, Buffer.alloc(item.size)]));
		const needed = new Set<number>();
		for (const item of wanted) {
			for (const [number, block] of blocks.blocks.entries()) {
				if (block.uncompressedOffset < item.offset + item.size && item.offset < block.uncompressedOffset + block.uncompressedSize) {
					needed.add(number);
				}
			}
		}

		const handle = await open(this.file, 'r');
		try {
			const queue = [...needed].sort((a, b) => a - b);
			let done = 0;
			// Two blocks at a time: one per core, each decoded by its own xz process.
			const worker = async () => {
				for (let number = queue.shift(); number !== undefined; number = queue.shift()) {
					const block = blocks.blocks[number]!;
					const length = Math.ceil(block.unpaddedSize / 4) * 4;
					const bytes = Buffer.alloc(length);
					// eslint-disable-next-line no-await-in-loop
					await handle.read(bytes, 0, length, block.offset);
					// The block is decoded only as far as the last wanted byte in it.
					const blockEnd = block.uncompressedOffset + block.uncompressedSize;
					const through = maxOf(wanted.filter(item => item.offset < blockEnd), item => Math.min(item.offset + item.size, blockEnd) - block.uncompressedOffset, 0);
					// eslint-disable-next-line no-await-in-loop
					const data = await decodeXzBlock(singleBlockStream(blocks, block, bytes), block.uncompressedSize, this.file, through);
					for (const item of wanted) {
						copyOverlap(data, block.uncompressedOffset, item, parts.get(item.file)!);
					}

					onProgress?.(`extracting from ${path.basename(this.file)}: xz block ${++done} of ${needed.size} decoded`);
				}
			};

			await Promise.all([worker(), worker()]);
		} finally {
			await handle.close();
		}

		for (const item of wanted) {
			result.set(item.file, parts.get(item.file)!);
		}

		return result;
	}

	private async readStream(wanted: Wanted[], onProgress?: Progress): Promise<Map<string, Buffer>> {
		const parts = new Map<string, Buffer>(wanted.map(item => [item.file, Buffer.alloc(item.size)]));
		const end = wanted.reduce((max, item) => Math.max(max, item.offset + item.size), 0);
		let position = 0;
		let reported = 0;
		for await (const chunk of decompressedChunks(this.file, this.compression)) {
			for (const item of wanted) {
				copyOverlap(chunk, position, item, parts.get(item.file)!);
			}

			position += chunk.length;
			if (onProgress && position - reported >= 32 * mebibyte) {
				reported = position;
				onProgress(`reading ${path.basename(this.file)}: ${Math.round(position / mebibyte)} of ${Math.round(end / mebibyte)} MB`);
			}

			if (position >= end) {
				break;
			}
		}

		if (position < end) {
			throw new InputError(this.file, 'the tarball is shorter than when it was indexed');
		}

		return parts;
	}
}

/** Copy the part of `item` that lies in `data` (which starts at stream offset `start`). */
function copyOverlap(data: Uint8Array, start: number, item: Wanted, target: Buffer): void {
	const from = Math.max(start, item.offset);
	const to = Math.min(start + data.length, item.offset + item.size);
	if (from < to) {
		target.set(data.subarray(from - start, to - start), from - item.offset);
	}
}

// Version control and build output are never part of the source the kernel was built from.
const skippedDirectories = new Set(['.git', '.svn', '.hg', '.tmp_versions']);

async function openDirectory(directory: string, options: OpenSourceOptions): Promise<KernelSource> {
	const builder = new SourceIndexBuilder(directory);
	const listed: Array<{file: string; size: number}> = [];
	const fingerprint = createHash('sha256').update(path.resolve(directory));
	walk(directory, listed, fingerprint);
	const identity = `directory:${path.resolve(directory)}:${fingerprint.digest('hex')}`;
	const key = keyOf(identity);
	let index = await cachedIndex(options.cacheDir, key, identity);
	const indexFrom = index ? 'cache' : 'built';
	if (!index) {
		let done = 0;
		for (const {file, size} of listed) {
			// As in a tarball (tar-reader.ts), a file over the member limit is listed, never read.
			if (size <= maximumMember && builder.wants(file)) {
				// eslint-disable-next-line no-await-in-loop
				builder.add(file, 0, size, await readFile(path.join(directory, file)));
			} else {
				builder.add(file, 0, size);
			}

			if (options.onProgress && ++done % 5000 === 0) {
				options.onProgress(`indexing ${directory}: ${done.toLocaleString('en-US')} of ${listed.length.toLocaleString('en-US')} files`);
			}
		}

		index = builder.finish();
		await storeIndex(options.cacheDir, key, identity, index);
	}

	const root = index.root;
	const budget = new ExtractionBudget(directory, options.maximumExtracted);
	const sizes = new Map(index.files.map((file, position) => [file, index.sizes[position]!]));
	return {
		path: directory,
		kind: 'directory',
		identity,
		index,
		indexFrom,
		async read(files) {
			const result = new Map<string, Buffer>();
			const wanted = [...new Set(files)].filter(file => sizes.has(file));
			budget.take(wanted.map(file => ({file, size: sizes.get(file)!})));
			for (const file of wanted) {
				try {
					// eslint-disable-next-line no-await-in-loop
					result.set(file, await readFile(path.join(directory, root, file)));
				} catch {}
			}

			return result;
		},
	};
}

/**
Every regular file below `directory` with its size; sizes, mtimes and ctimes feed the fingerprint,
so an edited file gives a new index. Symbolic links are not followed (no loops, nothing outside).
*/
function walk(directory: string, listed: Array<{file: string; size: number}>, fingerprint: ReturnType<typeof createHash>): void {
	// An explicit stack: the depth of a tree someone else made must not reach the call stack.
	const pending = [''];
	while (pending.length > 0) {
		const relative = pending.pop()!;
		let entries: Dirent[];
		try {
			entries = readdirSync(path.join(directory, relative), {withFileTypes: true});
		} catch (error) {
			throw new InputError(path.join(directory, relative), describeFsError(error));
		}

		entries.sort((a, b) => (a.name < b.name ? 1 : a.name > b.name ? -1 : 0));
		for (const entry of entries) {
			const file = relative ? `${relative}/${entry.name}` : entry.name;
			if (entry.isDirectory()) {
				if (!skippedDirectories.has(entry.name)) {
					pending.push(file);
				}
			} else if (entry.isFile()) {
				if (listed.length >= maximumMembers) {
					throw new InputError(directory, `more than ${maximumMembers.toLocaleString('en-US')} files: not a kernel source tree (limit)`);
				}

				const info = statSync(path.join(directory, file), {bigint: true});
				fingerprint.update(`${file}\0${info.size}\0${info.mtimeNs}\0${info.ctimeNs}\n`);
				listed.push({file, size: Number(info.size)});
			}
		}
	}
}
