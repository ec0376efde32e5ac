import {spawnSync} from 'node:child_process';
import {existsSync, readFileSync, rmSync} from 'node:fs';
import type {Failure} from './targets.js';
import {firstUnsafe} from '../helpers/controls.js';
import {cliPath, repoRoot} from '../helpers/paths.js';

/*
One run of the real binary: `kmodx check MODULE -k KERNEL --json` in a child process, under a
hard time limit (coreutils timeout, KILL) and with its peak RSS measured (GNU time, when
installed). The oracle: exit 0/1 with a kmodx.check/1 JSON report on stdout, or exit 2 with
nothing on stdout and one `kmodx: …` line on stderr. Anything else is a failure.
*/

export const cliTimeLimitSeconds = 10;
export const memoryLimitBytes = 1024 * 1024 * 1024;
const hasGnuTime = existsSync('/usr/bin/time');

export type CliOutcome = {failure: Failure | undefined; code: number | null; ms: number; maxRssKb: number | undefined};

export function runCheck(moduleFile: string, kernelFile: string, scratch: string, extraArgs: string[] = []): CliOutcome {
	const memoryFile = `${scratch}/time-${process.pid}.txt`;
	const command = [
		...(hasGnuTime ? ['/usr/bin/time', '-f', '%M', '-o', memoryFile] : []),
		'timeout', '-s', 'KILL', String(cliTimeLimitSeconds),
		process.execPath, process.env['KMODX_FUZZ_CLI'] ?? cliPath, 'check', moduleFile, '-k', kernelFile, '--json', ...extraArgs,
	];
	const started = performance.now();
	const result = spawnSync(command[0]!, command.slice(1), {
		cwd: repoRoot,
		encoding: 'utf8',
		env: {...process.env, NO_COLOR: '1', KMODX_NO_CACHE: '', KMODX_CACHE_DIR: `${scratch}/cache`},
		timeout: (cliTimeLimitSeconds + 20) * 1000,
		killSignal: 'SIGKILL',
		maxBuffer: 256 * 1024 * 1024,
	});
	const ms = performance.now() - started;
	let maxRssKb: number | undefined;
	if (hasGnuTime && existsSync(memoryFile)) {
		const lines = readFileSync(memoryFile, 'utf8').trim().split('\n');
		maxRssKb = Number(lines.at(-1));
		rmSync(memoryFile, {force: true});
	}

	return {failure: judgeCli(result.status, result.signal, result.stdout ?? '', result.stderr ?? '', maxRssKb), code: result.status, ms, maxRssKb};
}

export function judgeCli(code: number | null, signal: string | null, stdout: string, stderr: string, maxRssKb: number | undefined): Failure | undefined {
	const fail = (message: string): Failure => ({kind: 'cli', message});
	// Output safety: nothing the terminal would act on, on either stream, whatever the input's names.
	const unsafe = firstUnsafe(stderr) ?? firstUnsafe(stdout);
	if (unsafe) return {kind: 'output', message: `the CLI printed a control character: ${unsafe}`};
	if (code === null || code === 124 || code === 137) {
		return fail(`killed (${signal ?? `exit ${code}`}): longer than ${cliTimeLimitSeconds} s or out of memory`);
	}

	if (maxRssKb !== undefined && maxRssKb * 1024 > memoryLimitBytes) {
		return fail(`peak RSS ${Math.round(maxRssKb / 1024)} MiB, past the ${memoryLimitBytes / 1024 / 1024} MiB bound`);
	}

	if (code === 2) {
		if (stdout !== '') return fail(`exit 2 with output on stdout: ${JSON.stringify(stdout.slice(0, 200))}`);
		const lines = stderr.trimEnd().split('\n');
		if (lines.length !== 1 || !lines[0]!.startsWith('kmodx: ') || /\bat .*:\d+:\d+/.test(stderr)) {
			return fail(`exit 2 without a one-line error: ${JSON.stringify(stderr.slice(0, 400))}`);
		}

		return undefined;
	}

	if (code !== 0 && code !== 1) return fail(`exit ${code}: ${JSON.stringify(stderr.slice(0, 400))}`);
	try {
		const report = JSON.parse(stdout) as {schema?: unknown; modules?: unknown; kernels?: unknown};
		if (report.schema !== 'kmodx.check/1' || !Array.isArray(report.modules) || !Array.isArray(report.kernels)) {
			return fail(`exit ${code} with a JSON document that is not a kmodx.check/1 report`);
		}
	} catch {
		return fail(`exit ${code} without a valid JSON report: ${JSON.stringify(stdout.slice(0, 200))} ${JSON.stringify(stderr.slice(0, 200))}`);
	}

	return undefined;
}
