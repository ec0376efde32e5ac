import {spawn} from 'node:child_process';
import {onExit} from '../common/exit-cleanup.js';
import {findExecutable} from '../common/find-executable.js';
import {InputError} from '../common/input-error.js';
import {headersCompiler} from './headers-dir.js';

export type MakeOptions = {
	timeoutMs: number;
	/** Where `make` and the compiler are looked up (tests); default PATH. */
	pathEnv?: string;
};

type RunOptions = MakeOptions & {
	signal?: AbortSignal;
	/** TMPDIR for make and the compiler (gcc's cc*.s): inside kmodx's own temporary tree, removed however kmodx ends. */
	temporaryDirectory: string;
	/** More assignments for make's command line (kmodx's own, never an input's). */
	variables?: readonly string[];
	/** More environment for make and what it runs. */
	env?: Readonly<Record<string, string>>;
};

/** The Debian package of a compiler: `x86_64-linux-gnu-gcc-14` (Debian 13's kernels) comes with gcc-14. */
function compilerPackage(compiler: string): string {
	const name = /^(?:[\w]+-linux-gnu\w*-)?((?:gcc|clang)(?:-\d+)?)$/.exec(compiler)?.[1];
	return name ?? `the package that provides ${compiler}`;
}

/** make and the compiler the headers were configured with, or a one-line error naming the package. */
export async function requireBuildTools(headers: string, pathEnv: string): Promise<void> {
	const compiler = await headersCompiler(headers);
	if (!findExecutable('make', pathEnv)) {
		throw new InputError(headers, 'generating symtypes needs make, which is not installed (Debian/Ubuntu: apt-get install make)');
	}

	// Debian 12 has no gcc-14 for Debian 13's kernels: kmodx then runs in a root of the kernel's release.
	if (compiler && !findExecutable(compiler, pathEnv)) {
		throw new InputError(headers, `generating symtypes needs ${compiler}, which is not installed (Debian/Ubuntu: apt-get install ${compilerPackage(compiler)}; where the release has none, run kmodx inside a root of the kernel's own release: "Exact why on another release" in kmodx's usage docs)`);
	}
}

/**
`make -C <headers> M=<directory> KBUILD_SYMTYPES=1 V=0 <target>`: kbuild builds one external-module
target against the headers. Started without a shell, from an argument list; the caller has made
sure that make reads every argument as the plain word it is (kbuildWord). V=0 on the command
line, because a verbose kbuild echoes each command through one more level of shell quoting.
Its own process group, so that a timeout or a stop kills make and the compiler it started;
`signal` aborts it (the explorer closing).
*/
export async function runMake(headers: string, directory: string, target: string, options: RunOptions): Promise<string> {
	const pathEnv = options.pathEnv ?? process.env['PATH'] ?? '';
	await requireBuildTools(headers, pathEnv);
	const args = ['-C', headers, `M=${directory}`, 'KBUILD_SYMTYPES=1', 'V=0', ...(options.variables ?? []), target];
	return new Promise<string>((resolve, reject) => {
		const child = spawn('make', args, {
			detached: true, stdio: ['ignore', 'pipe', 'pipe'], env: {...process.env, ...options.env, PATH: pathEnv, LC_ALL: 'C', TMPDIR: options.temporaryDirectory},
		});
		// Quitting kmodx (the explorer's q, Ctrl-C) must not leave the compiler running.
		const forget = onExit(() => {
			try {
				process.kill(-child.pid!, 'SIGKILL');
			} catch {}
		});
		// Kept whole up to a bound: make exits 0 even when the preprocessor failed, so the caller reads it.
		let output = '';
		const collect = (chunk: Buffer) => {
			output = (output + chunk.toString('utf8')).slice(-256 * 1024);
		};

		child.stdout.on('data', collect);
		child.stderr.on('data', collect);
		let stopped: string | undefined;
		const stop = (why: string) => {
			stopped ??= why;
			try {
				process.kill(-child.pid!, 'SIGKILL');
			} catch {}
		};

		const timer = setTimeout(() => {
			stop(`make did not finish within ${options.timeoutMs / 1000} s and was stopped`);
		}, options.timeoutMs);
		const onAbort = () => {
			stop('stopped');
		};

		options.signal?.addEventListener('abort', onAbort, {once: true});
		const settle = () => {
			forget();
			clearTimeout(timer);
			options.signal?.removeEventListener('abort', onAbort);
		};

		child.on('error', error => {
			settle();
			reject(new InputError(headers, `cannot run make: ${error.message}`));
		});
		child.on('close', (code, signal) => {
			settle();
			if (stopped) {
				reject(new InputError(headers, stopped));
			} else if (code === 0) {
				resolve(output);
			} else {
				const lastLines = output.trim().split('\n').filter(line => !/^make(\[\d+\])?: (Entering|Leaving) directory/.test(line)).slice(-3).join(' | ');
				reject(new InputError(headers, `make ${args.join(' ')} failed (${signal ?? `exit ${code}`}): ${lastLines}`));
			}
		});
	});
}
