import {spawnSync} from 'node:child_process';
import {existsSync, readFileSync, rmSync} from 'node:fs';
import type {Failure} from './targets.js';
import {firstUnsafe} from '../helpers/controls.js';
import {cliPath, repoRoot} from '../helpers/paths.js';

/*
One run of the real binary: `kmodx check MODULE -k KERNEL --json` in a child process, under a
hard time limit (coreutils timeout, KILL) and with its peak RSS measured (GNU time, when
installed). The oracle is kmodx's exit table (README, "Exit status"): 0, 1 or 3 with a
kmodx.check/1 JSON report on stdout whose verdicts give that status (1: a problem, else 3: an
undecided import, else 0), or 2 with nothing on stdout and one `kmodx: …` line on stderr.
70 (an internal error) and anything else are failures.
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

	return {failure: judgeCli(result.status, result.signal, result.stdout ?? '', result.stderr ?? '', maxRssKb, extraArgs.length === 0), code: result.status, ms, maxRssKb};
}

/** `everyKindCounts`: no --fail-on, so every problem makes the status 1 and an undecided import 3. */
export function judgeCli(code: number | null, signal: string | null, stdout: string, stderr: string, maxRssKb: number | undefined, everyKindCounts = true): Failure | undefined {
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

	if (code === 70) {
		return fail(`internal error (exit 70): ${JSON.stringify(stderr.slice(0, 400))}`);
	}

	if (code === 2) {
		if (stdout !== '') return fail(`exit 2 with output on stdout: ${JSON.stringify(stdout.slice(0, 200))}`);
		const lines = stderr.trimEnd().split('\n');
		if (lines.length !== 1 || !lines[0]!.startsWith('kmodx: ') || /\bat .*:\d+:\d+/.test(stderr)) {
			return fail(`exit 2 without a one-line error: ${JSON.stringify(stderr.slice(0, 400))}`);
		}

		return undefined;
	}

	if (code !== 0 && code !== 1 && code !== 3) return fail(`exit ${code} is not in the exit table (0, 1, 3 verdicts; 2 bad input): ${JSON.stringify(stderr.slice(0, 400))}`);
	let report: {schema?: unknown; modules?: unknown; kernels?: unknown};
	try {
		report = JSON.parse(stdout) as typeof report;
	} catch {
		return fail(`exit ${code} without a valid JSON report: ${JSON.stringify(stdout.slice(0, 200))} ${JSON.stringify(stderr.slice(0, 200))}`);
	}

	if (report.schema !== 'kmodx.check/1' || !Array.isArray(report.modules) || !Array.isArray(report.kernels)) {
		return fail(`exit ${code} with a JSON document that is not a kmodx.check/1 report`);
	}

	if (everyKindCounts) {
		const results = (report.modules as Array<{results?: Array<{problems?: unknown[]; warnings?: Array<{kind?: unknown}>}>}>).flatMap(module => module.results ?? []);
		const expected = results.some(result => (result.problems ?? []).length > 0) ? 1 : (results.some(result => (result.warnings ?? []).some(warning => warning.kind === 'unresolved')) ? 3 : 0);
		if (code !== expected) return fail(`exit ${code}, but the report's verdicts give ${expected}`);
	}

	return undefined;
}
