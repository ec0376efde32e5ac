import path from 'node:path';
import {InputError} from '../common/input-error.js';
import {quotedIncludes, scanExportPatterns, scanExports} from './scan-source.js';
import {appendAll} from '../common/arrays.js';

export type KernelVersion = {version: number; patchlevel: number; sublevel: number};

/**
What kmodx knows of a kernel source tree after reading it once: every file and where its bytes
are, which files export which symbols, and which local headers each file includes. Built in one
pass over a tarball (or a walk of a directory) and cached, so that a second symbol never rescans.
*/
export type SourceIndex = {
	/** Prefix of the tree inside the archive (`linux-source-6.1/`), empty for a directory. */
	root: string;
	version: KernelVersion | undefined;
	/** Paths relative to the tree, in archive order. */
	files: string[];
	/** Offset of each file's bytes in the uncompressed tar stream (0 for a directory). */
	offsets: number[];
	sizes: number[];
	/** Resolved `#include "…"` edges: file → the files it includes. */
	includes: Map<number, number[]>;
	/** Exported symbol → the files that export it (several: per architecture, SLAB/SLUB, …). */
	exports: Map<string, number[]>;
	/** Exports pasted together by macros, as patterns (`^param_set_\w+$`) → the files holding them. */
	pasted: Map<string, number[]>;
};

export const indexFormat = 3;

// The headers package brings include/ and arch/*/include/; host tools and docs are never kernel objects.
const providedElsewhere = /^(include|arch\/[^/]+\/include|tools|scripts|Documentation|samples|usr)\//;

/** Whether a file's text is scanned: sources for exports, local headers for their includes. */
function scanned(relative: string): boolean {
	return /\.(c|S|h)$/.test(relative) && !providedElsewhere.test(relative);
}

/** Collects files as they stream by, then resolves the tree's root, version and include edges. */
export class SourceIndexBuilder {
	private readonly files: string[] = [];
	private readonly offsets: number[] = [];
	private readonly sizes: number[] = [];
	private readonly includeNames = new Map<number, string[]>();
	private readonly exportLists = new Map<number, string[]>();
	private readonly patternLists = new Map<number, string[]>();
	private readonly topMakefiles = new Map<string, string>();

	constructor(private readonly source: string) {}

	/** Whether `add` needs the file's bytes. Paths may still carry the archive's top directory. */
	wants(archivePath: string): boolean {
		if (/^([^/]+\/)?Makefile$/.test(archivePath)) {
			return true;
		}

		const slash = archivePath.indexOf('/');
		// The root is not known yet: judge both the path itself and the path below its first directory.
		return scanned(archivePath) && (slash === -1 || scanned(archivePath.slice(slash + 1)));
	}

	/** `data` is only read during the call (the tar reader reuses its buffer). */
	add(archivePath: string, offset: number, size: number, data?: Uint8Array): void {
		const index = this.files.length;
		this.files.push(archivePath);
		this.offsets.push(offset);
		this.sizes.push(size);
		if (!data) {
			return;
		}

		if (archivePath.endsWith('Makefile')) {
			this.topMakefiles.set(archivePath, Buffer.from(data.buffer, data.byteOffset, Math.min(data.byteLength, 4096)).toString('latin1'));
			return;
		}

		const includes = quotedIncludes(data);
		if (includes.length > 0) {
			this.includeNames.set(index, includes);
		}

		const exports = scanExports(data);
		if (exports.length > 0) {
			this.exportLists.set(index, exports);
		}

		const patterns = archivePath.endsWith('.h') ? [] : scanExportPatterns(data);
		if (patterns.length > 0) {
			this.patternLists.set(index, patterns);
		}
	}

	finish(): SourceIndex {
		const root = this.findRoot();
		const keep: number[] = [];
		const position = new Map<string, number>();
		const files: string[] = [];
		const offsets: number[] = [];
		const sizes: number[] = [];
		for (const [index, file] of this.files.entries()) {
			if (file.startsWith(root)) {
				position.set(file.slice(root.length), files.length);
				keep[index] = files.length;
				files.push(file.slice(root.length));
				offsets.push(this.offsets[index]!);
				sizes.push(this.sizes[index]!);
			}
		}

		const includes = new Map<number, number[]>();
		for (const [index, names] of this.includeNames) {
			const from = keep[index];
			if (from === undefined) {
				continue;
			}

			const directory = path.posix.dirname(files[from]!);
			const targets = names.flatMap(name => {
				const target = position.get(path.posix.normalize(path.posix.join(directory, name)));
				return target === undefined ? [] : [target];
			});
			if (targets.length > 0) {
				includes.set(from, targets);
			}
		}

		const exports = new Map<string, number[]>();
		const includedBy = reverse(includes);
		for (const [index, names] of this.exportLists) {
			const file = keep[index];
			if (file === undefined || !scanned(files[file]!)) {
				continue;
			}

			// An export in a header (kernel/rcu/tree_plugin.h) belongs to the files that include it.
			const exporters = files[file]!.endsWith('.h') ? includers(file, includedBy, files) : [file];
			for (const name of names) {
				const list = exports.get(name);
				if (list) {
					appendAll(list, exporters.filter(exporter => !list.includes(exporter)));
				} else if (exporters.length > 0) {
					exports.set(name, [...exporters]);
				}
			}
		}

		const pasted = new Map<string, number[]>();
		for (const [index, patterns] of this.patternLists) {
			const file = keep[index];
			for (const pattern of file === undefined || !scanned(files[file]!) ? [] : patterns) {
				pasted.set(pattern, [...(pasted.get(pattern) ?? []), file!]);
			}
		}

		return {
			root,
			version: parseVersion(this.topMakefiles.get(`${root}Makefile`) ?? ''),
			files,
			offsets,
			sizes,
			includes,
			exports,
			pasted,
		};
	}

	// The tree is where Makefile, Kbuild and init/main.c sit together; the shallowest such place.
	private findRoot(): string {
		const all = new Set(this.files);
		const roots = this.files
			.filter(file => file === 'init/main.c' || file.endsWith('/init/main.c'))
			.map(file => file.slice(0, -'init/main.c'.length))
			.filter(root => all.has(`${root}Makefile`) && all.has(`${root}Kbuild`))
			.sort((a, b) => a.length - b.length);
		if (roots[0] === undefined) {
			throw new InputError(this.source, 'not a Linux kernel source tree (no Makefile, Kbuild and init/main.c together)');
		}

		return roots[0];
	}
}

function reverse(edges: ReadonlyMap<number, number[]>): Map<number, number[]> {
	const result = new Map<number, number[]>();
	for (const [from, targets] of edges) {
		for (const target of targets) {
			result.set(target, [...(result.get(target) ?? []), from]);
		}
	}

	return result;
}

/** The .c and .S files that include `header`, directly or through other headers. */
function includers(header: number, includedBy: ReadonlyMap<number, number[]>, files: readonly string[]): number[] {
	const seen = new Set([header]);
	const queue = [header];
	const found: number[] = [];
	for (let head = 0; head < queue.length; head++) {
		for (const from of includedBy.get(queue[head]!) ?? []) {
			if (!seen.has(from)) {
				seen.add(from);
				queue.push(from);
				if (!files[from]!.endsWith('.h')) {
					found.push(from);
				}
			}
		}
	}

	return found;
}

/** VERSION, PATCHLEVEL and SUBLEVEL of a top-level kernel Makefile. */
export function parseVersion(makefile: string): KernelVersion | undefined {
	const field = (name: string) => /^(\d+)$/.exec((new RegExp(`^${name}\\s*=\\s*(\\S*)`, 'm').exec(makefile)?.[1]) ?? '')?.[1];
	const [version, patchlevel, sublevel] = ['VERSION', 'PATCHLEVEL', 'SUBLEVEL'].map(field);
	if (version === undefined || patchlevel === undefined) {
		return undefined;
	}

	return {version: Number(version), patchlevel: Number(patchlevel), sublevel: Number(sublevel ?? 0)};
}

export const versionText = (version: KernelVersion) => `${version.version}.${version.patchlevel}.${version.sublevel}`;

type StoredIndex = {
	format: number;
	root: string;
	version: KernelVersion | null;
	files: string[];
	offsets: number[];
	sizes: number[];
	includes: Array<[number, number[]]>;
	exports: Array<[string, number[]]>;
	pasted: Array<[string, number[]]>;
};

export function serializeIndex(index: SourceIndex): string {
	const stored: StoredIndex = {
		format: indexFormat,
		root: index.root,
		version: index.version ?? null,
		files: index.files,
		offsets: index.offsets,
		sizes: index.sizes,
		includes: [...index.includes],
		exports: [...index.exports],
		pasted: [...index.pasted],
	};
	return JSON.stringify(stored);
}

/** A cached index, or undefined when it does not have the expected shape (then it is rebuilt). */
export function parseStoredIndex(text: string): SourceIndex | undefined {
	let stored: Partial<StoredIndex>;
	try {
		stored = JSON.parse(text) as Partial<StoredIndex>;
	} catch {
		return undefined;
	}

	const {files, offsets, sizes, includes, exports, pasted} = stored;
	const fileCount = Array.isArray(files) ? files.length : -1;
	const isIndex = (value: unknown) => Number.isSafeInteger(value) && (value as number) >= 0 && (value as number) < fileCount;
	const isCount = (value: unknown) => Number.isSafeInteger(value) && (value as number) >= 0;
	const valid = stored.format === indexFormat
		&& typeof stored.root === 'string'
		&& Array.isArray(files) && files.every(file => typeof file === 'string')
		&& Array.isArray(offsets) && offsets.length === fileCount && offsets.every(isCount)
		&& Array.isArray(sizes) && sizes.length === fileCount && sizes.every(isCount)
		&& Array.isArray(includes) && includes.every(entry => Array.isArray(entry) && isIndex(entry[0]) && Array.isArray(entry[1]) && entry[1].every(isIndex))
		&& [exports, pasted].every(list => Array.isArray(list) && list.every(entry => Array.isArray(entry) && typeof entry[0] === 'string' && Array.isArray(entry[1]) && entry[1].every(isIndex)))
		&& (stored.version === null || (typeof stored.version === 'object' && stored.version !== undefined && ['version', 'patchlevel', 'sublevel'].every(key => isCount((stored.version as Record<string, unknown>)[key]))));
	if (!valid) {
		return undefined;
	}

	return {
		root: stored.root!,
		version: stored.version ?? undefined,
		files: files!,
		offsets: offsets!,
		sizes: sizes!,
		includes: new Map(includes),
		exports: new Map(exports),
		pasted: new Map(pasted),
	};
}
