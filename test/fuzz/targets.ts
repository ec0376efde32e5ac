import {isDeepStrictEqual} from 'node:util';
import {existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync} from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {type Btf} from '../../source/btf/btf.js';
import {BtfKind} from '../../source/btf/btf-kind.js';
import {cType, embeddedComposite, typeRefs, typeSize} from '../../source/btf/btf-c-type.js';
import {explainBtf} from '../../source/typediff/explain-btf.js';
import {btfFromBytes} from '../../source/btf/load-btf.js';
import {isInputError} from '../../source/common/input-error.js';
import {terminalSafe} from '../../source/common/terminal-text.js';
import {maybeDecompress} from '../../source/compression/decompress.js';
import {extractVmlinux} from '../../source/compression/vmlinuz.js';
import {ElfFile, ET_REL} from '../../source/elf/elf-file.js';
import {loadKernel} from '../../source/kernel/load-kernel.js';
import {SymversTable} from '../../source/kernel/symvers.js';
import {packExports, PackedExports} from '../../source/kernel/packed-exports.js';
import type {ExportTable} from '../../source/kernel/kernel.js';
import {readKsymtab} from '../../source/module/ksymtab.js';
import {kbuildFile, kbuildSymtypes} from '../../source/kbuild/kbuild-symtypes.js';
import {flagArgument} from '../../source/kbuild/kbuild-word.js';
import {kbuildFlags} from '../../source/kernel-source/kbuild-flags.js';
import {openKernelSource} from '../../source/kernel-source/kernel-source.js';
import {builtByConfig, exportingCandidates, makefilesOf, translationUnitFiles} from '../../source/kernel-source/translation-unit.js';
import {parseModule, readModuleFile} from '../../source/module/read-module.js';
import {readModuleSparse} from '../../source/module/read-module-sparse.js';
import {explainSymtypes} from '../../source/typediff/explain-symtypes.js';
import {genksymsCrc} from '../../source/symtypes/genksyms-crc.js';
import {parseSymtypes} from '../../source/symtypes/read-symtypes.js';
import type {SymtypesIndex} from '../../source/symtypes/symtypes-index.js';
import {buildCheckReport} from '../../source/engine/check-report.js';
import {formatMarkdown} from '../../source/views/format-markdown.js';
import {colorStyle, formatText} from '../../source/views/format-text.js';
import type {Kernel} from '../../source/kernel/kernel.js';
import type {ModuleInfo} from '../../source/module/module-info.js';
import {firstUnsafe} from '../helpers/controls.js';
import {argumentsThroughMake} from '../helpers/make-echo.js';
import {fixture} from '../helpers/paths.js';
import {
	canaryPlaceholder, mutateBtf, mutateElf, mutateGeneric, mutateMakefile, mutateSymtypes, mutateSymvers, type Rng, splice,
} from './mutate.js';
import {
	bombSeeds, btfSeeds, compressedSeeds, kernelSeeds, makefileSeeds, moduleSeeds, type Seed, smallBtfReference, sourceSeeds, symtypesSeeds, symversSeeds, vmlinuzSeeds,
} from './seeds.js';

/*
Fuzz targets: each one has seeds, a mutator and a runner that drives the public API the way
kmodx does. A runner may throw InputError (bad input, one line); anything else is a failure.
*/

/** Caps used in-process: small, so that bombs hit them in a few milliseconds. */
export const fuzzMaxSize = 2 * 1024 * 1024;

export type Context = {
	btfReference: Btf;
	symtypesReference: SymtypesIndex;
	/** Scratch directory for targets that read files (loadKernel). */
	scratch: string;
	/** Time the current case spent in processes kmodx did not write (make, the shell): not held against the time bound. */
	externalMs: number;
	cleanup(): void;
};

export type Target = {
	name: string;
	/** Relative share of the cases. */
	weight: number;
	seeds(): Promise<Seed[]>;
	mutate(data: Uint8Array, rng: Rng, seeds: Seed[]): Uint8Array;
	run(data: Uint8Array, context: Context): Promise<void>;
	/** What the target counts besides cases (reported at the end of a run). */
	counters?(): Record<string, number>;
};

/** Fuzzing never reads or writes the user's cache (KMODX_NO_CACHE); the CLI runs get a scratch cache. */
export function makeContext(): Context {
	process.env['KMODX_NO_CACHE'] = '1';
	const scratch = mkdtempSync(path.join(os.tmpdir(), 'kmodx-fuzz-'));
	const symtypes = symtypesSeeds().find(seed => seed.name === 'version.symtypes 56')!;
	return {
		btfReference: smallBtfReference(),
		symtypesReference: parseSymtypes(symtypes.data, 'reference.symtypes'),
		scratch,
		externalMs: 0,
		cleanup() {
			rmSync(scratch, {recursive: true, force: true});
		},
	};
}

/** Apply 1–3 mutations, the format-aware one most of the time. */
function stacked(specific: (data: Uint8Array, rng: Rng) => Uint8Array, share = 0.7) {
	return (data: Uint8Array, rng: Rng, seeds: Seed[]): Uint8Array => {
		let out = data;
		const rounds = 1 + (rng.chance(0.3) ? rng.int(3) : 0);
		for (let round = 0; round < rounds; round++) {
			if (seeds.length > 1 && rng.chance(0.03)) out = splice(out, rng.pick(seeds).data, rng);
			else out = rng.chance(share) ? specific(out, rng) : mutateGeneric(out, rng);
		}

		return out;
	};
}

function walkElf(elf: ElfFile): void {
	elf.symbols();
	for (const section of elf.sections.slice(0, 256)) {
		if (section.name.startsWith('__ksymtab') || section.name === '__versions' || section.name === '.modinfo') {
			elf.relocationsFor(section);
			elf.sectionAt(section.addr);
		}
	}
}

/** Output that would act on a terminal or a Markdown renderer: a failure of its own kind. */
export class UnsafeOutput extends Error {
	override readonly name = 'UnsafeOutput';
}

let referenceKernel: Promise<Kernel> | undefined;
let referenceModule: Promise<ModuleInfo> | undefined;

/**
The output-safety property: the text report (with color) and the Markdown report of `module`
on `kernel` carry no control, format or separator character outside kmodx's own SGR codes, and
the Markdown no HTML outside code spans. Whatever names the mutated input holds.
*/
function checkOutputs(module: ModuleInfo, kernel: Kernel): void {
	const report = buildCheckReport([module], [kernel], {missingVersion: 'fatal'});
	const text = formatText(report, colorStyle);
	const markdown = formatMarkdown(report);
	for (const [format, output] of [['text', text], ['markdown', markdown]] as const) {
		const unsafe = firstUnsafe(output);
		if (unsafe) {
			throw new UnsafeOutput(`${format} report carries a control character: ${unsafe}`);
		}
	}

	const outsideCode = markdown.replaceAll(/(?<!`)(`+)(?!`)[\s\S]*?(?<!`)\1(?!`)/g, '');
	const html = /<(?!br>)/.exec(outsideCode);
	if (html) {
		throw new UnsafeOutput(`markdown report carries HTML: ${JSON.stringify(outsideCode.slice(Math.max(0, html.index - 30), html.index + 30))}`);
	}
}

const moduleTarget: Target = {
	name: 'module',
	weight: 20,
	async seeds() {
		return moduleSeeds();
	},
	mutate: stacked(mutateElf, 0.75),
	async run(data) {
		const module = parseModule(data, 'fuzz.ko');
		walkElf(new ElfFile(data, 'fuzz.ko'));
		referenceKernel ??= loadKernel({label: '47', source: fixture('kernels', '6.1.0-47-amd64', 'Module.symvers.gz')});
		checkOutputs(module, await referenceKernel);
	},
};

let sparseFileCounter = 0;

/** What reading a module gave: its info, or the one-line error. */
async function readOutcome(read: () => Promise<unknown>): Promise<unknown> {
	try {
		return {value: await read()};
	} catch (error) {
		if (!isInputError(error)) throw error;
		return {error: error.message};
	}
}

const sparseTarget: Target = {
	name: 'sparse',
	weight: 8,
	async seeds() {
		return moduleSeeds();
	},
	mutate: stacked(mutateElf, 0.75),
	async run(data, context) {
		// The scan's sparse reader must say exactly what reading the whole file says, whatever the file.
		const file = path.join(context.scratch, `s${sparseFileCounter++ % 4}.ko`);
		writeFileSync(file, data);
		const whole = await readOutcome(async () => readModuleFile(file));
		for (const wholeUpTo of [0, 64 * 1024]) {
			// eslint-disable-next-line no-await-in-loop
			const sparse = await readOutcome(async () => readModuleSparse(file, {wholeUpTo}));
			if (!isDeepStrictEqual(sparse, whole)) {
				throw new Error(`sparse read (whole up to ${wholeUpTo}) differs: ${JSON.stringify(sparse).slice(0, 200)} vs ${JSON.stringify(whole).slice(0, 200)}`);
			}
		}
	},
};

const compressedTarget: Target = {
	name: 'compressed',
	weight: 10,
	async seeds() {
		return [...compressedSeeds(), ...bombSeeds(fuzzMaxSize + (1024 * 1024))];
	},
	mutate: stacked(mutateGeneric, 1),
	async run(data) {
		const {data: inner} = await maybeDecompress(data, 'fuzz.ko.xz', {maxSize: fuzzMaxSize});
		if (inner.length > fuzzMaxSize) throw new Error(`decoder returned ${inner.length} bytes, past the ${fuzzMaxSize} cap`);
		if (inner[0] === 0x7F && inner[1] === 0x45) parseModule(inner, 'fuzz.ko.xz');
	},
};

const symversNames = ['module_layout', 'usb_stor_suspend', 'printk', '_printk', 'kmalloc_trace', 'insert_resource_expand_to_fit'];

function exerciseTable(table: ExportTable): void {
	for (const name of symversNames) table.get(name);
	let count = 0;
	for (const entry of table.all()) {
		if (typeof entry.name !== 'string' || !Number.isInteger(entry.crc)) throw new Error(`bad entry ${JSON.stringify(entry)}`);
		count++;
	}

	if (count > table.size) throw new Error(`all() listed ${count} exports, size says ${table.size}`);
}

const symversTarget: Target = {
	name: 'symvers',
	weight: 12,
	async seeds() {
		return symversSeeds();
	},
	mutate: stacked(mutateSymvers, 1),
	async run(data) {
		const table = new SymversTable(data, 'Module.symvers');
		exerciseTable(table);
		const copy = PackedExports.open(packExports(table.all(), 'id'), 'cache entry', 'id');
		if (!copy) throw new Error('a packed table does not open');
		exerciseTable(copy);
	},
};

const symversCacheTarget: Target = {
	name: 'symvers-cache',
	weight: 4,
	async seeds() {
		return symversSeeds().slice(0, 4).map(seed => ({name: `cache(${seed.name})`, data: new Uint8Array(packExports(new SymversTable(seed.data, seed.name).all()))}));
	},
	mutate: stacked(mutateGeneric, 1),
	async run(data) {
		// A cache entry in ~/.cache/kmodx is a file like any other: damaged ones must not hang or crash.
		// A forged one (CRC made to match) may be refused on access, as an input error.
		const table = PackedExports.open(data, 'cache entry');
		if (table) {
			try {
				exerciseTable(table);
			} catch (error) {
				if (!isInputError(error)) throw error;
			}
		}
	},
};

function walkBtf(btf: Btf): void {
	const step = Math.max(1, Math.floor(btf.lastId / 400));
	for (let id = 1; id <= btf.lastId; id += step) {
		const kind = btf.kind(id);
		btf.name(id);
		if (kind === BtfKind.Struct || kind === BtfKind.Union) btf.members(id);
		else if (kind === BtfKind.FuncProto) btf.params(id);
		else if (kind === BtfKind.Enum || kind === BtfKind.Enum64) btf.enumerators(id);
		else if (kind === BtfKind.Array) btf.array(id);
		else if (kind === BtfKind.Int) btf.int(id);
		else if (kind === BtfKind.Datasec) btf.secinfos(id);
		try {
			cType(btf, id, 'x', {paramNames: true});
		} catch (error) {
			if (!isInputError(error)) throw error;
		}

		typeRefs(btf, id);
		typeSize(btf, id);
		embeddedComposite(btf, id);
	}

	btf.find('kernel_param');
}

const btfTarget: Target = {
	name: 'btf',
	weight: 15,
	async seeds() {
		return btfSeeds();
	},
	mutate: stacked(mutateBtf, 0.8),
	async run(data, context) {
		const {btf} = await btfFromBytes(data, 'fuzz.btf', {cache: false});
		walkBtf(btf);
		if (btf.lastId < 3000) {
			for (const symbol of ['fuzz_fn', 'module_layout']) {
				explainBtf({symbol, from: {label: 'fuzz', btf, crc: '0x1'}, to: {label: 'ref', btf: context.btfReference, crc: '0x2'}});
				explainBtf({symbol, from: {label: 'ref', btf: context.btfReference, crc: '0x2'}, to: {label: 'fuzz', btf, crc: '0x1'}});
			}
		}
	},
};

const symtypesTarget: Target = {
	name: 'symtypes',
	weight: 15,
	async seeds() {
		return symtypesSeeds();
	},
	mutate: stacked(mutateSymtypes, 1),
	async run(data, context) {
		const index = parseSymtypes(data, 'fuzz.symtypes');
		let count = 0;
		for (const symbol of index.exports.keys()) {
			if (count++ >= 40) break;
			genksymsCrc(index, symbol);
			if (context.symtypesReference.exports.has(symbol) || count <= 3) {
				const reference = context.symtypesReference.exports.has(symbol) ? context.symtypesReference : index;
				explainSymtypes({symbol, from: {label: 'fuzz', index}, to: {label: 'ref', index: reference, kernelCrc: 1}});
			}
		}
	},
};

const vmlinuzTarget: Target = {
	name: 'vmlinuz',
	weight: 8,
	async seeds() {
		return [...await vmlinuzSeeds(), ...bombSeeds(fuzzMaxSize + (1024 * 1024))];
	},
	mutate: stacked(mutateGeneric, 1),
	async run(data) {
		const {elf} = await extractVmlinux(data, 'fuzz.vmlinuz', {maxSize: fuzzMaxSize});
		if (elf.length > fuzzMaxSize) throw new Error(`extracted ${elf.length} bytes, past the ${fuzzMaxSize} cap`);
		const image = new ElfFile(elf, 'fuzz.vmlinuz');
		if (image.type !== ET_REL) readKsymtab(image);
	},
};

let kernelFileCounter = 0;

const kernelTarget: Target = {
	name: 'kernel',
	weight: 8,
	async seeds() {
		return kernelSeeds();
	},
	mutate(data, rng, seeds) {
		const elf = data[0] === 0x7F && data[1] === 0x45;
		const text = data[0] === 0x30 && data[1] === 0x78;
		return stacked(elf ? mutateElf : (text ? mutateSymvers : mutateGeneric), elf || text ? 0.7 : 1)(data, rng, seeds);
	},
	async run(data, context) {
		// LoadKernel decides by content, not name; the name only matters for release guesses.
		const file = path.join(context.scratch, `k${kernelFileCounter++ % 4}`, 'Module.symvers');
		mkdirSync(path.dirname(file), {recursive: true});
		writeFileSync(file, data);
		const kernel = await loadKernel({label: 'fuzz', source: file});
		for (const name of symversNames) kernel.exports.get(name);
		for (const _ of kernel.exports.all()) {
			// Every entry must be materialisable.
		}

		referenceModule ??= readModuleFile(fixture('modules', 'my_drv-6.1.0-47-amd64.ko'));
		checkOutputs(await referenceModule, kernel);
	},
};

let sourceFileCounter = 0;

/**
A kernel source tarball as kmodx reads it for `--types LABEL=linux-source…`: the tar stream, the
index (exports, macro patterns, local includes), files read back by offset, the Makefile flags.
*/
const sourceTarget: Target = {
	name: 'source',
	weight: 6,
	async seeds() {
		return sourceSeeds();
	},
	mutate: stacked(mutateGeneric, 1),
	async run(data, context) {
		const file = path.join(context.scratch, `source${sourceFileCounter++ % 4}.tar`);
		writeFileSync(file, data);
		const source = await openKernelSource(file, {});
		const config = new Map([['CONFIG_64BIT', 'y'], ['CONFIG_SLUB', 'y']]);
		for (const symbol of ['misc_register', 'kmalloc_caches', 'param_ops_int', 'no_such_symbol']) {
			for (const candidate of exportingCandidates(source.index, symbol, {architectures: ['x86'], exporter: 'vmlinux'})) {
				const unit = translationUnitFiles(source.index, candidate, ['mm']);
				// eslint-disable-next-line no-await-in-loop
				const files = await source.read([...unit, ...makefilesOf(candidate)]);
				kbuildFlags(candidate, files, config, file);
				for (const [name, bytes] of files) {
					if (name.endsWith('Makefile')) {
						builtByConfig(bytes.toString('latin1'), candidate, config);
					}
				}
			}
		}
	},
};

/** A command from an input ran, or make and the shell passed other arguments than kmodx meant: a failure of its own kind. */
export class CommandRan extends Error {
	override readonly name = 'CommandRan';
}

let makefileCounter = 0;
const makefileCounters: Record<string, number> = {'make runs': 0, 'real kbuild runs': 0};
let realKbuildCounter = 0;
const headersForFuzz = '/usr/src/linux-headers-6.1.0-47-amd64';
const makefileConfig = new Map([['CONFIG_64BIT', 'y'], ['CONFIG_SLUB', 'y']]);

/** Files that exist in `directory` but should not: what a command from the input would have created. */
function unexpectedFiles(directory: string, expected: readonly string[]): string[] {
	return existsSync(directory) ? readdirSync(directory).filter(name => !expected.includes(name)) : [];
}

/**
A source tree's drivers/char/Makefile, real or with hostile flag lines, as kmodx reads it for
misc.c: the flags it keeps (or its one-line refusal) and the Kbuild it generates, which real make
and /bin/sh then read as kbuild does (test/helpers/make-echo.ts). Properties: no command from the
input ever runs (every payload tries to create the case's canary file; make's directory must hold
only what make-echo writes), and make and the shell pass the preprocessor exactly the arguments
kmodx meant. Every 500th case with flags also runs the real kbuild of the 6.1.0-47 headers.
*/
const makefileTarget: Target = {
	name: 'makefile',
	weight: 6,
	async seeds() {
		return makefileSeeds();
	},
	mutate: stacked(mutateMakefile, 0.9),
	counters: () => makefileCounters,
	async run(data, context) {
		const number = makefileCounter++;
		const canaries = path.join(context.scratch, 'canaries');
		const canary = path.join(canaries, `c${number}`);
		const directory = path.join(context.scratch, `makefile${number % 4}`);
		mkdirSync(canaries, {recursive: true});
		rmSync(directory, {recursive: true, force: true});
		mkdirSync(directory);
		const text = Buffer.from(data).toString('latin1').replaceAll(canaryPlaceholder, canary);
		try {
			const makefiles = new Map([['drivers/char/Makefile', new Uint8Array(Buffer.from(text, 'latin1'))]]);
			const {flags} = kbuildFlags('drivers/char/misc.c', makefiles, makefileConfig, 'fuzz.tar');
			const roots = {tree: directory, headers: '/usr/src/linux-headers-6.1.0-47-common'};
			const kbuild = kbuildFile({source: 'drivers/char/misc.c', module: false, flags}, roots);
			if (flags.length === 0) {
				return; // Nothing of the input reaches make (the finally block still looks for the canary).
			}

			const started = performance.now();
			let made;
			try {
				made = argumentsThroughMake(kbuild, directory);
			} catch (error) {
				throw new CommandRan(`make refused the generated Kbuild: ${String((error as {stderr?: unknown}).stderr ?? error).split('\n')[0]!.slice(0, 300)}`);
			} finally {
				context.externalMs += performance.now() - started;
			}

			makefileCounters['make runs']!++;
			const meant = flags.map(flag => flagArgument(flag, roots));
			if (!isDeepStrictEqual(made.c, meant) || !isDeepStrictEqual(made.a, meant) || !isDeepStrictEqual(made.objects, ['misc.o'])) {
				throw new CommandRan(`make and the shell passed ${JSON.stringify(made.c).slice(0, 300)}, kmodx meant ${JSON.stringify(meant).slice(0, 300)}`);
			}

			if (flags.length > 0 && realKbuildCounter++ % 500 === 499 && existsSync(path.join(headersForFuzz, 'Makefile')) && !text.includes('@')) {
				makefileCounters['real kbuild runs']!++;
				const kbuildStarted = performance.now();
				try {
					await kbuildSymtypes(headersForFuzz, {files: new Map([['drivers/char/misc.c', '#include <linux/export.h>\nint x;\nEXPORT_SYMBOL(x);\n']]), source: 'drivers/char/misc.c', module: false, flags}, {timeoutMs: 15_000});
				} catch (error) {
					if (!isInputError(error)) throw error; // The preprocessor may well fail on such flags.
				} finally {
					context.externalMs += performance.now() - kbuildStarted;
				}
			}
		} finally {
			const created = [...unexpectedFiles(canaries, []), ...unexpectedFiles(directory, ['Kbuild', 'Makefile', 'a.args', 'c.args', 'objects'])];
			rmSync(canaries, {recursive: true, force: true});
			rmSync(directory, {recursive: true, force: true});
			if (created.length > 0) {
				// eslint-disable-next-line no-unsafe-finally -- this failure outranks whatever the case threw.
				throw new CommandRan(`a command from the Makefile ran: it created ${created.join(', ')}`);
			}
		}
	},
};

export const targets: readonly Target[] = [moduleTarget, sparseTarget, compressedTarget, symversTarget, symversCacheTarget, btfTarget, symtypesTarget, vmlinuzTarget, kernelTarget, sourceTarget, makefileTarget];

export function targetNamed(name: string): Target {
	const target = targets.find(candidate => candidate.name === name);
	if (!target) throw new Error(`unknown fuzz target ${name} (known: ${targets.map(t => t.name).join(', ')})`);
	return target;
}

export type Failure = {kind: 'crash' | 'message' | 'slow' | 'memory' | 'hang' | 'cli' | 'output' | 'command'; message: string};

/** What makes an outcome a failure: anything but success or a one-line InputError. */
export function judge(error: unknown): Failure | undefined {
	if (error === undefined) return undefined;
	if (error instanceof UnsafeOutput) {
		return {kind: 'output', message: error.message};
	}

	if (error instanceof CommandRan) {
		return {kind: 'command', message: error.message};
	}

	if (!isInputError(error)) {
		const text = error instanceof Error ? `${error.name}: ${error.message}` : `non-Error thrown: ${String(error)}`;
		const frame = error instanceof Error ? error.stack?.split('\n').find(line => line.trim().startsWith('at ')) : undefined;
		return {kind: 'crash', message: `${text.split('\n')[0]!.slice(0, 300)}${frame ? ` (${frame.trim()})` : ''}`};
	}

	// The CLI prints a message through terminalSafe: what it prints must still be one line.
	if (firstUnsafe(terminalSafe(error.message)) !== undefined || error.message.includes('\n') || error.message.includes('\r') || /\bat .*:\d+:\d+/.test(error.message)) {
		return {kind: 'message', message: `InputError message is not one line: ${JSON.stringify(error.message.slice(0, 300))}`};
	}

	if (!error.message.includes(error.file ?? '')) {
		return {kind: 'message', message: `InputError does not name its file: ${error.message.slice(0, 300)}`};
	}

	return undefined;
}

/** Run one input: a failure, or whether kmodx accepted it or refused it cleanly (InputError). */
export async function outcome(target: Target, data: Uint8Array, context: Context): Promise<{failure: Failure | undefined; refused: boolean}> {
	try {
		await target.run(data, context);
		return {failure: undefined, refused: false};
	} catch (error) {
		return {failure: judge(error ?? new Error('undefined thrown')), refused: true};
	}
}

/** Run one input; undefined when kmodx behaved (accepted it or refused it cleanly). */
export async function runOnce(target: Target, data: Uint8Array, context: Context): Promise<Failure | undefined> {
	return (await outcome(target, data, context)).failure;
}
