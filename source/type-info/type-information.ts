import {existsSync} from 'node:fs';
import path from 'node:path';
import {resolveCacheDir} from '../common/cache.js';
import {InputError, isInputError, UnsafeInputError} from '../common/input-error.js';
import type {SymtypesOrigin} from '../typediff/explanation.js';
import type {Btf} from '../btf/btf.js';
import {headersVersion, type HeadersVersion} from '../kbuild/headers-dir.js';
import type {Kernel} from '../kernel/kernel.js';
import type {KernelSource, Progress} from '../kernel-source/kernel-source.js';
import {versionText} from '../kernel-source/source-index.js';
import type {DeclaringHeader} from '../symtypes/declaring-header.js';
import type {SymtypesIndex} from '../symtypes/symtypes-index.js';
import {headersDirectoryOf, sourceCandidates} from './kernel-inputs.js';
import type {TypesInput} from './types-flags.js';

export type SymtypesAnswer = {index: SymtypesIndex; origin: SymtypesOrigin; notes: string[]};
export type BtfAnswer = {btf: Btf; path: string};
/** Why a method cannot answer for a kernel (`reasons`: empty when simply nothing was given), and the flags that would let it. */
export type Missing = {reasons: string[]; give: string[]};

export type TypeInformationOptions = {
	cacheDir?: string;
	/** Per kbuild run. */
	timeoutMs?: number;
	/** Root of the file system for the usual places (tests). */
	root?: string;
};

/**
Where each kernel's type information comes from, loaded once and shared by every symbol: the
exact genksyms input (a .symtypes file or tree; generated from the kernel's source and headers;
module_layout's from the headers alone), else BTF. Parsers and kbuild load only when asked.
*/
export class TypeInformation {
	private readonly symtypesFiles = new Map<string, Promise<SymtypesIndex>>();
	private readonly sources = new Map<string, Promise<KernelSource>>();
	private readonly answers = new Map<string, Promise<SymtypesAnswer | Missing>>();
	private readonly btfs = new Map<string, Promise<BtfAnswer | Missing>>();
	private readonly declarations = new Map<string, Promise<(DeclaringHeader & {headers: string}) | undefined>>();
	private readonly cacheDir: string | undefined;

	constructor(private readonly inputs: ReadonlyMap<string, TypesInput[]>, private readonly options: TypeInformationOptions = {}) {
		this.cacheDir = options.cacheDir ?? resolveCacheDir(undefined);
	}

	/** Exact type information for `symbol` on `kernel`, generated if need be; once per pair. */
	async symtypes(kernel: Kernel, symbol: string, onProgress?: Progress): Promise<SymtypesAnswer | Missing> {
		const key = `${kernel.label}\0${symbol}`;
		let answer = this.answers.get(key);
		if (!answer) {
			answer = this.findSymtypes(kernel, symbol, onProgress);
			this.answers.set(key, answer);
			// A failure (bad input) is not remembered: the explorer may ask again.
			answer.catch(() => this.answers.delete(key));
		}

		return answer;
	}

	/**
	The symtypes of the installed header that declares `symbol` (kbuild on a one-line file that
	includes it), when the kernel's headers directory is known: a part of what genksyms hashed.
	*/
	async declaration(kernel: Kernel, symbol: string, onProgress?: Progress): Promise<(DeclaringHeader & {headers: string}) | undefined> {
		const key = `${kernel.label}\0${symbol}`;
		let answer = this.declarations.get(key);
		if (!answer) {
			const headers = headersDirectoryOf(kernel, this.options.root);
			answer = headers
				? import('../symtypes/declaring-header.js').then(async ({declaringHeaderSymtypes}) => {
					onProgress?.(`preprocessing the header that declares ${symbol}`);
					const found = await declaringHeaderSymtypes(headers, symbol, {timeoutMs: this.options.timeoutMs ?? 120_000, cacheDir: this.cacheDir});
					return found && {...found, headers};
				})
				: Promise.resolve(undefined);
			this.declarations.set(key, answer);
			answer.catch(() => this.declarations.delete(key));
		}

		return answer;
	}

	/** BTF of the kernel, or of the module that exports `symbol` on top of it. */
	async btf(kernel: Kernel, symbol: string): Promise<BtfAnswer | Missing> {
		const base = await this.kernelBtf(kernel);
		const exporter = kernel.exports.get(symbol)?.module;
		if ('reasons' in base || !exporter || exporter === 'vmlinux') {
			return base;
		}

		return this.moduleBtf(kernel, exporter, base);
	}

	/**
	The whole kernel's type information, for grouping a kernel diff: its symtypes files and trees
	(merged), else its BTF. A source tarball does not count: it would mean compiling every file.
	*/
	async wholeKernel(kernel: Kernel): Promise<{kind: 'symtypes'; index: SymtypesIndex} | {kind: 'btf'; btf: Btf; path: string} | undefined> {
		const symtypes = this.explicit(kernel, 'symtypes');
		if (symtypes.length > 0) {
			const indexes = await Promise.all(symtypes.map(async input => this.symtypesFile(input.path)));
			if (indexes.length === 1) {
				return {kind: 'symtypes', index: indexes[0]!};
			}

			const {mergeSymtypes} = await import('../symtypes/read-symtypes.js');
			return {kind: 'symtypes', index: mergeSymtypes(symtypes.map(input => input.path).join(' + '), indexes)};
		}

		return this.wholeKernelBtf(kernel);
	}

	/** vmlinux's BTF of the kernel, when there is any. */
	async wholeKernelBtf(kernel: Kernel): Promise<{kind: 'btf'; btf: Btf; path: string} | undefined> {
		const btf = await this.kernelBtf(kernel);
		return 'reasons' in btf ? undefined : {kind: 'btf', ...btf};
	}

	/** vmlinux's BTF, loaded once per kernel. */
	private async kernelBtf(kernel: Kernel): Promise<BtfAnswer | Missing> {
		let answer = this.btfs.get(kernel.label);
		if (!answer) {
			answer = this.findBtf(kernel);
			this.btfs.set(kernel.label, answer);
			answer.catch(() => this.btfs.delete(kernel.label));
		}

		return answer;
	}

	private explicit(kernel: Kernel, kind: TypesInput['kind']): TypesInput[] {
		return (this.inputs.get(kernel.label) ?? []).filter(input => input.kind === kind);
	}

	private async findSymtypes(kernel: Kernel, symbol: string, onProgress?: Progress): Promise<SymtypesAnswer | Missing> {
		const reasons: string[] = [];
		for (const input of this.explicit(kernel, 'symtypes')) {
			// eslint-disable-next-line no-await-in-loop
			const index = await this.symtypesFile(input.path);
			if (index.exports.has(symbol)) {
				return {index, origin: {kind: 'file', path: input.path}, notes: []};
			}

			reasons.push(`${input.path} does not define ${symbol}`);
		}

		const headers = headersDirectoryOf(kernel, this.options.root);
		const version = headers ? await headersVersion(headers) : undefined;
		const given = this.explicit(kernel, 'source').map(input => input.path);
		const found = given.length === 0 && version ? sourceCandidates(version.major, version.minor, kernel.release, this.options.root) : [];
		if (given.length > 0 || found.length > 0) {
			if (headers && version) {
				const fromSource = await this.fromSource(kernel, symbol, {headers, version, given, found}, reasons, onProgress);
				if (fromSource) {
					return fromSource;
				}
			} else {
				reasons.push(`the kernel source needs ${kernel.label}'s headers directory to compile against`);
			}
		}

		if (symbol === 'module_layout' && headers) {
			try {
				onProgress?.(`generating module_layout's symtypes from ${headers}`);
				const [{generateModuleLayoutSymtypes}, {parseSymtypes}] = await Promise.all([import('../symtypes/headers-symtypes.js'), import('../symtypes/read-symtypes.js')]);
				const generated = await generateModuleLayoutSymtypes(headers, {timeoutMs: this.options.timeoutMs ?? 120_000, cacheDir: this.cacheDir});
				return {
					index: parseSymtypes(generated.text, `${headers} (generated version.symtypes)`),
					origin: {kind: 'headers', headers, file: 'kernel/module/version.c (its #include lines)'},
					notes: generated.notes,
				};
			} catch (error) {
				reasons.push(reasonOf(error));
			}
		}

		return {reasons, give: exactFlags(kernel, headers, given.length > 0 || found.length > 0)};
	}

	private async fromSource(
		kernel: Kernel,
		symbol: string,
		{headers, version, given, found}: {headers: string; version: HeadersVersion; given: string[]; found: string[]},
		reasons: string[],
		onProgress?: Progress,
	): Promise<SymtypesAnswer | undefined> {
		const paths = given.length > 0 ? given : found;
		const discovered = new Set(found);
		const exported = kernel.exports.get(symbol);
		const request = {headers, symbol, exporter: exported?.module, kernelCrc: exported?.crc, cacheDir: this.cacheDir};
		for (const sourcePath of paths) {
			// A symbol explained before needs neither the source's index nor kbuild.
			// eslint-disable-next-line no-await-in-loop
			const remembered = await rememberedFromSource(sourcePath, request);
			if (remembered) {
				return {index: remembered.index, origin: {kind: 'source', path: sourcePath, file: remembered.file, headers}, notes: remembered.notes};
			}

			let source: KernelSource;
			try {
				// eslint-disable-next-line no-await-in-loop
				source = await this.source(sourcePath, onProgress);
			} catch (error) {
				if (!discovered.has(sourcePath)) {
					throw error; // A broken tarball the user named is bad input.
				}

				reasons.push(reasonOf(error));
				continue;
			}

			const mismatch = versionMismatch(source, version, headers, kernel.label);
			if (mismatch) {
				if (!discovered.has(sourcePath)) {
					throw new InputError(sourcePath, mismatch);
				}

				reasons.push(`${sourcePath}: ${mismatch}`);
				continue;
			}

			try {
				// eslint-disable-next-line no-await-in-loop -- loaded once, cached by the module loader.
				const {sourceSymtypes} = await import('../kernel-source/source-symtypes.js');
				// eslint-disable-next-line no-await-in-loop
				const result = await sourceSymtypes({...request, source, timeoutMs: this.options.timeoutMs ?? 120_000, onProgress});
				return {index: result.index, origin: {kind: 'source', path: sourcePath, file: result.file, headers}, notes: result.notes};
			} catch (error) {
				if (error instanceof UnsafeInputError && !discovered.has(sourcePath)) {
					throw error; // A tarball the user named that would run commands is refused, not skipped.
				}

				reasons.push(reasonOf(error));
			}
		}

		return undefined;
	}

	private async source(sourcePath: string, onProgress?: Progress): Promise<KernelSource> {
		let source = this.sources.get(sourcePath);
		if (!source) {
			source = import('../kernel-source/kernel-source.js').then(async ({openKernelSource}) => openKernelSource(sourcePath, {cacheDir: this.cacheDir, onProgress}));
			this.sources.set(sourcePath, source);
			source.catch(() => this.sources.delete(sourcePath));
		}

		return source;
	}

	private async symtypesFile(file: string): Promise<SymtypesIndex> {
		let index = this.symtypesFiles.get(file);
		if (!index) {
			index = import('../symtypes/load-symtypes.js').then(async ({loadSymtypes}) => loadSymtypes(file));
			this.symtypesFiles.set(file, index);
		}

		return index;
	}

	private async findBtf(kernel: Kernel): Promise<BtfAnswer | Missing> {
		const explicit = this.explicit(kernel, 'btf').filter(input => !/\.ko(\.(gz|xz|zst))?$/.test(input.path));
		if (explicit[0]) {
			const {loadBtf} = await import('../btf/load-btf.js');
			return {btf: await loadBtf(explicit[0].path), path: explicit[0].path};
		}

		const source = kernel.typeSources.find(type => type.kind === 'btf');
		if (source?.kind === 'btf') {
			if (source.data) {
				const {parseBtf} = await import('../btf/btf.js');
				return {btf: parseBtf(source.data, {file: source.path}), path: source.path};
			}

			const {loadBtf} = await import('../btf/load-btf.js');
			return {btf: await loadBtf(source.path), path: source.path};
		}

		// Only a path that exists here is named; else what to give, in words.
		const image = kernel.release ? path.join(this.options.root ?? '/', 'boot', `vmlinuz-${kernel.release}`) : undefined;
		return {reasons: [], give: [`--types ${kernel.label}=${image && existsSync(image) ? image : '<its vmlinuz, vmlinux or headers directory with a vmlinux>'}`]};
	}

	/** A module's split BTF: a .ko given with --types, or the installed one of the kernel's release. */
	private async moduleBtf(kernel: Kernel, exporter: string, base: BtfAnswer): Promise<BtfAnswer | Missing> {
		const name = path.posix.basename(exporter);
		const given = this.explicit(kernel, 'btf').map(input => input.path).filter(file => path.basename(file).replace(/\.ko(\.(gz|xz|zst))?$/, '').replaceAll('-', '_') === name.replaceAll('-', '_'));
		// An installed kernel given as a tree names its modules directory last (inside whatever root was given).
		const trees = [
			...(kernel.kind === 'installed' && kernel.files.length > 0 ? [kernel.files.at(-1)!] : []),
			// /lib/modules/<release> given, read through its build link: its modules are beside the link.
			...(existsSync(path.join(kernel.source, 'kernel')) ? [kernel.source] : []),
			...(kernel.release ? [path.join(this.options.root ?? '/', 'lib/modules', kernel.release)] : []),
		];
		const installed = trees.flatMap(tree => ['kernel/', ''].flatMap(under => ['', '.xz', '.zst', '.gz'].map(extension => path.join(tree, `${under}${exporter}.ko${extension}`)))).filter(file => existsSync(file));
		const file = given[0] ?? installed[0];
		if (!file) {
			return {
				reasons: [`${kernel.label}: ${name}.ko exports it, and its BTF (split BTF on top of ${base.path}) was not given`],
				give: [`--types ${kernel.label}=${kernel.release ? `/lib/modules/${kernel.release}/kernel/${exporter}.ko` : `${name}.ko`}`],
			};
		}

		const [{readBounded}, {maybeDecompress}, {btfFromElf}, {parseBtf}] = await Promise.all([
			import('../common/read-bounded.js'), import('../compression/decompress.js'), import('../btf/btf-from-elf.js'), import('../btf/btf.js'),
		]);
		const {maximumModuleSize} = await import('../module/read-module.js');
		const {data} = await maybeDecompress(await readBounded(file, maximumModuleSize, 'a kernel module'), file);
		return {btf: parseBtf(btfFromElf(data, file), {file, base: base.btf}), path: file};
	}
}

async function rememberedFromSource(sourcePath: string, request: {headers: string; symbol: string; exporter: string | undefined; kernelCrc: number | undefined; cacheDir: string | undefined}) {
	const [{tarballIdentity}, {rememberedSourceSymtypes}] = await Promise.all([import('../kernel-source/kernel-source.js'), import('../kernel-source/source-symtypes.js')]);
	const sourceIdentity = await tarballIdentity(sourcePath);
	return sourceIdentity ? rememberedSourceSymtypes({...request, sourceIdentity, sourcePath}) : undefined;
}

function reasonOf(error: unknown): string {
	if (isInputError(error)) {
		return error.message;
	}

	throw error;
}

function versionMismatch(source: KernelSource, version: HeadersVersion, headers: string, label: string): string | undefined {
	const tree = source.index.version;
	if (!tree) {
		return 'its top Makefile names no kernel version';
	}

	const same = tree.version === version.major && tree.patchlevel === version.minor && (version.sublevel === undefined || tree.sublevel === version.sublevel);
	return same ? undefined : `this is the source of Linux ${versionText(tree)}, but kernel ${label} is ${version.major}.${version.minor}${version.sublevel === undefined ? '' : `.${version.sublevel}`} (${headers}): give the source of that kernel`;
}

/** What would give `kernel` exact type information: its headers directory, its source. */
function exactFlags(kernel: Kernel, headers: string | undefined, sourceSeen: boolean): string[] {
	const flags: string[] = [];
	if (!headers) {
		flags.push(`-k ${kernel.label}=/usr/src/linux-headers-${kernel.release ?? '<release>'}`);
	}

	// Where a source was given or found, the reasons say what went wrong with it.
	if (!sourceSeen) {
		flags.push(`--types ${kernel.label}=<its linux-source tarball>`);
	}

	return flags;
}
