import {spawn, type ChildProcess} from 'node:child_process';
import {createHash} from 'node:crypto';
import {existsSync, rmSync} from 'node:fs';
import {mkdir, mkdtemp, readFile, rm, writeFile} from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import {fileIdentity, readCache, writeCache} from '../common/cache.js';
import {onExit} from '../common/exit-cleanup.js';
import {findExecutable} from '../common/find-executable.js';
import {InputError} from '../common/input-error.js';
import {headersConfig, headersIdentity} from './headers-dir.js';
import {flagArgument, kbuildWord, type KbuildFlag} from './kbuild-word.js';
import {runMake, type MakeOptions} from './run-make.js';

/*
`make -C <headers> M=… <stem>.symtypes` spends most of its time before it preprocesses anything:
the headers' Makefiles test the compiler about thirty times (cc-option: 32 gcc runs for one
unit of Linux 6.1, 3 s of CPU, against 0.4 s for the preprocessor and genksyms themselves). So
the command kbuild runs for a unit, `$(CPP) -D__GENKSYMS__ $(c_flags) <stem>.c | genksyms -T …`,
is recorded once per headers directory and kind of object, by one make run on a probe unit whose
CPP is a recorder, and cached; later units run the recorded command with their own paths, names
and flags, without make and without a shell.
*/

/** The preprocessor's argument list as kbuild gave it for the probe unit; `root` is the probe's tree. */
export type SymtypesCommand = {root: string; argv: string[]};

/** Where a unit lies: its temporary tree and its tree-relative source. */
export type CommandUnit = {root: string; source: string; flags: readonly KbuildFlag[]};

const probeStem = 'kmodxprobe';
const probeMarker = '-DKMODX_PROBE_FLAGS';
// Bump when the recording or its use changes.
const recipe = 'symtypes-command-1';
const cacheKind = 'kbuild-command';

const recorded = new Map<string, Promise<SymtypesCommand | undefined>>();

/**
kbuild's preprocessor command for `.c` units against `headers` (obj-m when `module`), recorded
once and cached (keyed by the headers' identity and the compiler's); undefined when it cannot be
recorded, and the caller runs make as before.
*/
export async function symtypesCommand(headers: string, module: boolean, options: MakeOptions & {cacheDir?: string; signal?: AbortSignal; onProgress?: (message: string) => void}): Promise<SymtypesCommand | undefined> {
	const pathEnv = options.pathEnv ?? process.env['PATH'] ?? '';
	const config = await headersConfig(headers);
	// Without modversions kbuild writes no symtypes; make says so (the caller's error).
	if (config.get('CONFIG_MODVERSIONS') !== 'y' || !existsSync(path.join(headers, 'scripts/genksyms/genksyms')) || kbuildWord(process.execPath) !== process.execPath) {
		return undefined;
	}

	const key = createHash('sha256').update([recipe, await headersIdentity(headers), module ? 'm' : 'y', pathEnv, process.execPath].join('\0')).digest('hex').slice(0, 40);
	let command = recorded.get(key);
	if (!command) {
		command = cachedCommand(options.cacheDir, key, pathEnv).then(async cached => {
			if (cached) {
				return cached;
			}

			options.onProgress?.(`recording kbuild's preprocessor command for ${path.basename(headers)} (make, once per headers directory)`);
			return recordCommand(headers, module, key, {...options, pathEnv});
		});
		recorded.set(key, command);
		command.catch(() => recorded.delete(key));
	}

	return command;
}

type StoredCommand = SymtypesCommand & {compiler: string};

async function compilerIdentity(argv0: string | undefined, pathEnv: string): Promise<string | undefined> {
	const executable = argv0 === undefined ? undefined : (argv0.includes('/') ? argv0 : findExecutable(argv0, pathEnv));
	return executable ? (await fileIdentity(executable))?.key : undefined;
}

async function cachedCommand(cacheDir: string | undefined, key: string, pathEnv: string): Promise<SymtypesCommand | undefined> {
	const entry = await readCache(cacheDir, cacheKind, key);
	if (!entry) {
		return undefined;
	}

	try {
		const stored = JSON.parse(Buffer.from(entry).toString('utf8')) as Partial<StoredCommand>;
		if (typeof stored.root !== 'string' || !Array.isArray(stored.argv) || !stored.argv.every(argument => typeof argument === 'string') || typeof stored.compiler !== 'string') {
			return undefined;
		}

		// An upgraded compiler may answer kbuild's tests differently: record again.
		return stored.compiler === await compilerIdentity(stored.argv[0], pathEnv) ? {root: stored.root, argv: stored.argv} : undefined;
	} catch {
		return undefined;
	}
}

async function recordCommand(headers: string, module: boolean, key: string, options: MakeOptions & {pathEnv: string; cacheDir?: string; signal?: AbortSignal}): Promise<SymtypesCommand | undefined> {
	const root = await mkdtemp(path.join(os.tmpdir(), 'kmodx-probe-'));
	const forget = onExit(() => {
		rmSync(root, {recursive: true, force: true, maxRetries: 3, retryDelay: 50});
	});
	try {
		if (kbuildWord(root) !== root) {
			return undefined;
		}

		const directory = path.join(root, probeStem);
		const temporary = path.join(root, '.tmp');
		const record = path.join(root, 'record.json');
		const recorder = path.join(root, 'record.cjs');
		await mkdir(directory, {recursive: true});
		await mkdir(temporary);
		await writeFile(path.join(directory, `${probeStem}.c`), '');
		await writeFile(path.join(directory, 'Kbuild'), `obj-${module ? 'm' : 'y'} := ${probeStem}.o\nccflags-y += ${probeMarker}\n`);
		// Appends each call's arguments and prints nothing: genksyms reads an empty unit.
		await writeFile(recorder, 'require("node:fs").appendFileSync(process.env.KMODX_CPP_RECORD, JSON.stringify(process.argv.slice(2)) + "\\n");\n');
		await runMake(headers, directory, `${probeStem}.symtypes`, {
			...options, temporaryDirectory: temporary, variables: [`CPP=${process.execPath} ${recorder} $(CC) -E`], env: {KMODX_CPP_RECORD: record},
		});
		const source = path.join(directory, `${probeStem}.c`);
		const calls = (await readFile(record, 'utf8').catch(() => '')).split('\n').filter(Boolean).map(line => JSON.parse(line) as string[]);
		const argv = calls.find(call => call.at(-1) === source && call.includes('-D__GENKSYMS__') && call.filter(argument => argument === probeMarker).length === 1);
		if (!argv) {
			return undefined;
		}

		const command = {root, argv};
		const compiler = await compilerIdentity(argv[0], options.pathEnv);
		if (compiler) {
			await writeCache(options.cacheDir, cacheKind, key, Buffer.from(JSON.stringify({...command, compiler})));
		}

		return command;
	} finally {
		forget();
		await rm(root, {recursive: true, force: true});
	}
}

/**
The recorded command for `unit`: the probe's tree, directory and name replaced by the unit's, the
unit's flags (as make and the shell would have passed them: each is one inert word) where the
probe's marker was. Undefined when anything of the probe is left (a kbuild that puts the unit's
path somewhere this does not know), or the name is one kbuild rewrites (`,`).
*/
export function commandFor(command: SymtypesCommand, unit: CommandUnit, headersSource: string): string[] | undefined {
	const directory = path.posix.dirname(unit.source);
	const stem = path.posix.basename(unit.source).replace(/\.c$/, '');
	if (!unit.source.endsWith('.c') || stem.includes(',')) {
		return undefined;
	}

	// Kbuild's name-fix: KBUILD_BASENAME and KBUILD_MODNAME are C identifiers.
	const name = stem.replaceAll('-', '_');
	const probeUnit = `${command.root}/${probeStem}`;
	const unitDirectory = path.posix.join(unit.root, directory);
	const replaced = command.argv.flatMap(argument => {
		if (argument === probeMarker) {
			return unit.flags.map(flag => flagArgument(flag, {tree: unit.root, headers: headersSource}));
		}

		return [argument
			.replaceAll(`${probeUnit}/${probeStem}`, `${unitDirectory}/${stem}`)
			.replaceAll(`${probeUnit}/.${probeStem}.`, `${unitDirectory}/.${stem}.`)
			.replaceAll(probeUnit, unitDirectory)
			.replaceAll(`"${probeStem}"`, `"${name}"`)
			.replaceAll(`kmod_${probeStem}`, `kmod_${name}`)];
	});
	return replaced.some(argument => argument.includes(probeStem) || argument.includes(command.root)) ? undefined : replaced;
}

export type RunOptions = MakeOptions & {signal?: AbortSignal; temporaryDirectory: string};

/**
`argv | scripts/genksyms/genksyms -T <symtypes>` in the headers directory, as kbuild's recipe runs
it: two processes joined by a pipe, from argument lists; their own process groups, killed on a
timeout, an abort or kmodx's exit. Resolves to what both wrote on stderr (the caller reads the
preprocessor's errors from it, as from make's output).
*/
export async function runSymtypesCommand(headers: string, argv: readonly string[], symtypes: string, options: RunOptions): Promise<string> {
	const pathEnv = options.pathEnv ?? process.env['PATH'] ?? '';
	const config = await headersConfig(headers);
	const genksymsArgs = ['-T', symtypes, ...(config.get('CONFIG_MODULE_REL_CRCS') === 'y' ? ['-R'] : []), '-r', '/dev/null'];
	const env = {...process.env, PATH: pathEnv, LC_ALL: 'C', TMPDIR: options.temporaryDirectory};
	const common = {cwd: headers, detached: true, env};
	const preprocessor = spawn(argv[0]!, argv.slice(1), {...common, stdio: ['ignore', 'pipe', 'pipe']});
	const genksyms = spawn(path.join(headers, 'scripts/genksyms/genksyms'), genksymsArgs, {...common, stdio: ['pipe', 'ignore', 'pipe']});
	const children = [preprocessor, genksyms];
	const kill = () => {
		for (const child of children) {
			try {
				process.kill(-child.pid!, 'SIGKILL');
			} catch {}
		}
	};

	const forget = onExit(kill);
	let output = '';
	const collect = (chunk: Buffer) => {
		output = (output + chunk.toString('utf8')).slice(-256 * 1024);
	};

	preprocessor.stderr.on('data', collect);
	genksyms.stderr.on('data', collect);
	genksyms.stdin.on('error', () => undefined); // Genksyms failing is reported by its status.
	preprocessor.stdout.pipe(genksyms.stdin);
	let stopped: string | undefined;
	const stop = (why: string) => {
		stopped ??= why;
		kill();
	};

	const timer = setTimeout(() => {
		stop(`the preprocessor did not finish within ${options.timeoutMs / 1000} s and was stopped`);
	}, options.timeoutMs);
	const onAbort = () => {
		stop('stopped');
	};

	options.signal?.addEventListener('abort', onAbort, {once: true});
	const exited = async (child: ChildProcess) => new Promise<{code: number | null; signal: NodeJS.Signals | null; error?: Error}>(resolve => {
		child.on('error', error => {
			resolve({code: null, signal: null, error});
		});
		child.on('close', (code, signal) => {
			resolve({code, signal});
		});
	});
	try {
		const [cpp, gen] = await Promise.all([exited(preprocessor), exited(genksyms)]);
		if (stopped) {
			throw new InputError(headers, stopped);
		}

		for (const [what, status] of [[argv[0]!, cpp], ['genksyms', gen]] as const) {
			if (status.error) {
				throw new InputError(headers, `cannot run ${what}: ${status.error.message}`);
			}
		}

		// The preprocessor's errors are in the output; the caller names the first.
		for (const [what, status] of [[argv[0]!, cpp], ['genksyms', gen]] as const) {
			if (status.code !== 0 && !/: (fatal )?error: /.test(output)) {
				const lastLines = output.trim().split('\n').slice(-3).join(' | ');
				throw new InputError(headers, `${what} failed (${status.signal ?? `exit ${status.code}`}): ${lastLines}`);
			}
		}

		return output;
	} finally {
		forget();
		clearTimeout(timer);
		options.signal?.removeEventListener('abort', onAbort);
	}
}
