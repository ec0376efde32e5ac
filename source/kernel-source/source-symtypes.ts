import {createHash} from 'node:crypto';
import path from 'node:path';
import zlib from 'node:zlib';
import {cacheEntryPath, readCache, writeCache} from '../common/cache.js';
import {formatCrc} from '../common/hex.js';
import {InputError, UnsafeInputError} from '../common/input-error.js';
import {headersArchitectures, headersConfig, headersIdentity, headersSourceTree} from '../kbuild/headers-dir.js';
import {KbuildError, kbuildSymtypes} from '../kbuild/kbuild-symtypes.js';
import {isKbuildName} from '../kbuild/kbuild-word.js';
import {genksymsCrc} from '../symtypes/genksyms-crc.js';
import {parseSymtypes} from '../symtypes/read-symtypes.js';
import type {SymtypesIndex} from '../symtypes/symtypes-index.js';
import {kbuildFlags} from './kbuild-flags.js';
import type {KernelSource, Progress} from './kernel-source.js';
import {builtByConfig, exportingCandidates, includeClosure, makefilesOf, translationUnitFiles} from './translation-unit.js';

export type SourceSymtypesRequest = {
	source: KernelSource;
	/** The kernel's headers/build directory: kbuild compiles against it. */
	headers: string;
	symbol: string;
	/** `vmlinux` or the module path Module.symvers gives; a module's files are built with -DMODULE. */
	exporter: string | undefined;
	/** The kernel's CRC: the candidate that reproduces it is the file the kernel was built from. */
	kernelCrc: number | undefined;
	cacheDir: string | undefined;
	timeoutMs: number;
	onProgress?: Progress;
	signal?: AbortSignal;
};

export type SourceSymtypes = {
	/** Tree-relative path of the translation unit, e.g. `kernel/sched/core.c`. */
	file: string;
	index: SymtypesIndex;
	crc: number;
	/** Where the generated symtypes are cached (also what `index.source` names). */
	cachePath: string | undefined;
	/** Files tried before this one, with why they were not taken. */
	notes: string[];
};

// Bump when what goes into a generated unit changes, so old cache entries are not served.
const recipe = 'tu-4';
const cacheKind = 'symtypes-source';
// One entry is one translation unit's symtypes (20 KB–300 KB compressed): keep a few hundred.
const cacheEntries = 512;
const maximumCandidates = 4;

/**
Exact genksyms input for `symbol` from the kernel's own source: find the file that exports it,
preprocess it with its local headers against the kernel's headers package, and take the file
whose recomputed CRC is the kernel's.
*/
export async function sourceSymtypes(request: SourceSymtypesRequest): Promise<SourceSymtypes> {
	const {source, symbol} = request;
	let candidates = exportingCandidates(source.index, symbol, {architectures: headersArchitectures(request.headers), exporter: request.exporter});
	if (candidates.length === 0) {
		const anywhere = source.index.exports.get(symbol)?.length ?? 0;
		throw new InputError(source.path, anywhere > 0
			? `${symbol} is exported only by other architectures' files here`
			: `no file here exports ${symbol} (searched .c and .S files for EXPORT_SYMBOL and its variants; exports made by token-pasting macros are not found this way)`);
	}

	const notes: string[] = [];
	if (candidates.length > 1) {
		candidates = await enabledFirst(request, candidates, notes);
	}

	let fallback: SourceSymtypes | undefined;
	for (const file of candidates.slice(0, maximumCandidates)) {
		// eslint-disable-next-line no-await-in-loop
		const generated = await generateUnit(request, file);
		if (!generated.index.exports.has(symbol)) {
			notes.push(`${file} does not export ${symbol} in this configuration`);
			continue;
		}

		const crc = genksymsCrc(generated.index, symbol);
		const result = {file, index: generated.index, crc, cachePath: generated.cachePath, notes};
		if (request.kernelCrc === undefined || crc === (request.kernelCrc >>> 0)) {
			// eslint-disable-next-line no-await-in-loop
			await writeCache(request.cacheDir, answerKind, await answerKey({...request, sourceIdentity: source.identity}), Buffer.from(JSON.stringify({file, notes})), cacheEntries);
			return result;
		}

		notes.push(`${file} gives ${symbol} the CRC ${formatCrc(crc)}, not the kernel's ${formatCrc(request.kernelCrc)}`);
		fallback ??= result;
	}

	if (fallback) {
		return {...fallback, notes};
	}

	throw new InputError(source.path, `cannot generate the symtypes of ${symbol}: ${notes.join('; ')}`);
}

/** Candidates whose directory's Makefile builds them in this kernel's configuration come first. */
async function enabledFirst(request: SourceSymtypesRequest, candidates: string[], notes: string[]): Promise<string[]> {
	const makefiles = await request.source.read(candidates.map(file => `${path.posix.dirname(file)}/Makefile`), request.onProgress);
	const config = await headersConfig(request.headers);
	const built = candidates.map(file => {
		const makefile = makefiles.get(`${path.posix.dirname(file)}/Makefile`);
		return makefile ? builtByConfig(makefile.toString('latin1'), file, config) : undefined;
	});
	const order = [...candidates.keys()].sort((a, b) => rank(built[a]) - rank(built[b]));
	for (const [position, file] of candidates.entries()) {
		if (built[position] === false) {
			notes.push(`${file} is not built in this configuration`);
		}
	}

	return order.filter(position => built[position] !== false).map(position => candidates[position]!);
}

const rank = (built: boolean | undefined) => (built === true ? 0 : built === undefined ? 1 : 2);

const answerKind = 'symtypes-source-answer';

type AnswerRequest = Pick<SourceSymtypesRequest, 'headers' | 'symbol' | 'exporter' | 'kernelCrc'> & {sourceIdentity: string};

async function answerKey(request: AnswerRequest): Promise<string> {
	const parts = [recipe, request.sourceIdentity, await headersIdentity(request.headers), request.symbol, request.exporter ?? '', String(request.kernelCrc)];
	return createHash('sha256').update(parts.join('\0')).digest('hex').slice(0, 40);
}

const isModule = (exporter: string | undefined) => exporter !== undefined && exporter !== 'vmlinux';

async function unitCacheKey(sourceIdentity: string, headers: string, file: string, module: boolean): Promise<string> {
	return createHash('sha256').update([recipe, sourceIdentity, await headersIdentity(headers), file, module ? 'm' : 'y'].join('\0')).digest('hex').slice(0, 40);
}

async function cachedUnit(cacheDir: string | undefined, key: string, label: string): Promise<SymtypesIndex | undefined> {
	const cached = await readCache(cacheDir, cacheKind, key);
	try {
		return cached ? parseSymtypes(zlib.gunzipSync(cached), label) : undefined;
	} catch {
		return undefined; // A damaged entry is generated again.
	}
}

/**
What an earlier run found for the same symbol of the same source and headers: which file exports
it, and that file's generated symtypes, both from the cache. The source's index is not read: a
repeated explanation costs two small cache reads per kernel.
*/
export async function rememberedSourceSymtypes(request: AnswerRequest & {sourcePath: string; cacheDir: string | undefined}): Promise<SourceSymtypes | undefined> {
	const entry = await readCache(request.cacheDir, answerKind, await answerKey(request));
	let answer: {file?: unknown; notes?: unknown};
	try {
		answer = entry ? JSON.parse(Buffer.from(entry).toString('utf8')) as typeof answer : {};
	} catch {
		return undefined;
	}

	const {file, notes} = answer;
	if (typeof file !== 'string' || !Array.isArray(notes) || !notes.every(note => typeof note === 'string')) {
		return undefined;
	}

	const key = await unitCacheKey(request.sourceIdentity, request.headers, file, isModule(request.exporter));
	const index = await cachedUnit(request.cacheDir, key, `${file} (generated from ${path.basename(request.sourcePath)})`);
	if (!index?.exports.has(request.symbol)) {
		return undefined;
	}

	return {file, index, crc: genksymsCrc(index, request.symbol), cachePath: request.cacheDir ? cacheEntryPath(request.cacheDir, cacheKind, key) : undefined, notes: notes as string[]};
}

async function generateUnit(request: SourceSymtypesRequest, file: string): Promise<{index: SymtypesIndex; cachePath: string | undefined}> {
	const module = isModule(request.exporter);
	const key = await unitCacheKey(request.source.identity, request.headers, file, module);
	const cachePath = request.cacheDir ? cacheEntryPath(request.cacheDir, cacheKind, key) : undefined;
	const label = `${file} (generated from ${path.basename(request.source.path)})`;
	const cached = await cachedUnit(request.cacheDir, key, label);
	if (cached) {
		return {index: cached, cachePath};
	}

	if (!isKbuildName(file)) {
		throw new UnsafeInputError(request.source.path, `refused ${JSON.stringify(file)}: kbuild would read its name as make or shell syntax (only letters, digits and _.,+- are passed on)`);
	}

	// One read for the Makefiles and the unit's own headers (most of what it needs: each xz block
	// is decoded once); the directories its Makefile adds with -I come after, when there are any.
	request.onProgress?.(`extracting ${file}, its Makefiles and local headers from ${path.basename(request.source.path)}`);
	const makefileNames = makefilesOf(file);
	const first = await request.source.read([...makefileNames, ...translationUnitFiles(request.source.index, file)], request.onProgress);
	const makefiles = new Map(makefileNames.flatMap(name => (first.has(name) ? [[name, first.get(name)!] as const] : [])));
	const config = await headersConfig(request.headers);
	const flags = kbuildFlags(file, makefiles, config, request.source.path);
	const files = await request.source.read(translationUnitFiles(request.source.index, file, flags.directories), request.onProgress);
	const unit = {files, source: file, module, flags: flags.flags};
	const options = {timeoutMs: request.timeoutMs, signal: request.signal, cacheDir: request.cacheDir, onProgress: request.onProgress};
	request.onProgress?.(`preprocessing ${file} (gcc -E | genksyms)`);
	// Installed headers include files of the tree by relative paths the headers package cannot
	// resolve: include/trace/define_trace.h and trace_events.h take TRACE_INCLUDE_PATH
	// (`../../arch/x86/kvm`) from include/trace/, include/trace/events/sof_intel.h names
	// "../../../sound/soc/sof/sof-audio.h". For each such miss, the file and its headers go into the
	// temporary tree and the includer's directory is searched from the tree (-iquote), and again.
	// A unit that defines TRACE_INCLUDE_PATH needs include/trace/ from its first run: one
	// preprocessing of a large file (arch/x86/kvm/x86.c) instead of a failed one and another.
	const quoteDirectories = new Set<string>([...files.values()].some(data => data.includes('#define TRACE_INCLUDE_PATH')) ? ['include/trace'] : []);
	let text: string | undefined;
	for (let attempt = 0; text === undefined; attempt++) {
		try {
			// eslint-disable-next-line no-await-in-loop
			text = await kbuildSymtypes(request.headers, {...unit, quoteDirectories: [...quoteDirectories]}, options);
		} catch (error) {
			// eslint-disable-next-line no-await-in-loop
			const reached = error instanceof KbuildError && error.missing && attempt < maximumTreeIncludes ? await treeHeader(request, error.missing) : undefined;
			// Something new to try, or the same miss again.
			if (!reached || (quoteDirectories.has(reached.directory) && [...reached.files.keys()].every(name => files.has(name)))) {
				throw error;
			}

			quoteDirectories.add(reached.directory);
			for (const [name, data] of reached.files) {
				files.set(name, data);
			}

			request.onProgress?.(`preprocessing ${file} again, with ${reached.files.size} files of the tree that ${reached.directory}/ includes`);
		}
	}

	request.onProgress?.(`parsing the symtypes of ${file}`);
	await writeCache(request.cacheDir, cacheKind, key, zlib.gzipSync(Buffer.from(text, 'latin1'), {level: 6}), cacheEntries);
	return {index: parseSymtypes(text, label), cachePath};
}

/** How many installed-header directories may reach into the tree (a unit needs one or two). */
const maximumTreeIncludes = 8;

/**
A file of the tree an installed header includes by a relative path the headers package lacks:
the directory of the includer (tree-relative, e.g. include/trace) and the file with its headers.
*/
async function treeHeader(request: SourceSymtypesRequest, missing: {includer: string; name: string}): Promise<{directory: string; files: Map<string, Buffer>} | undefined> {
	const srctree = await headersSourceTree(request.headers);
	const includer = path.relative(srctree, missing.includer).split(path.sep).join('/');
	if (includer.startsWith('..') || !includer.startsWith('include/')) {
		return undefined;
	}

	const directory = path.posix.dirname(includer);
	const target = path.posix.normalize(path.posix.join(directory, missing.name));
	const position = request.source.index.files.indexOf(target);
	if (position === -1 || target.startsWith('..')) {
		return undefined;
	}

	return {directory, files: await request.source.read(includeClosure(request.source.index, [position]), request.onProgress)};
}
