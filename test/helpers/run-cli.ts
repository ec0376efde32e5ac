import {spawnSync} from 'node:child_process';
import {cliPath, repoRoot} from './paths.js';

export type CliResult = {code: number | null; stdout: string; stderr: string};

/** Runs the built binary the way a user does; stdout is a pipe, so never the explorer. */
export function runCli(args: string[], options: {cwd?: string; env?: NodeJS.ProcessEnv} = {}): CliResult {
	const result = spawnSync(process.execPath, [cliPath, ...args], {
		cwd: options.cwd ?? repoRoot,
		encoding: 'utf8',
		env: {...process.env, NO_COLOR: '1', ...options.env},
		timeout: 60_000,
		maxBuffer: 256 * 1024 * 1024,
	});
	return {code: result.status, stdout: result.stdout, stderr: result.stderr};
}
