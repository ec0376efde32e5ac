import {spawnSync} from 'node:child_process';
import {cliPath, repoRoot} from './paths.js';

export type CliResult = {code: number | null; stdout: string; stderr: string};

/**
Runs the built binary the way a user does; stdout is a pipe, so never the explorer. The time limit
only stops a hung child: the slowest run (kbuild over a source tarball, ~15 s on a quiet 2-core
machine) has room to be twenty times slower, as on a machine shared with other test suites.
*/
export function runCli(args: string[], options: {cwd?: string; env?: NodeJS.ProcessEnv} = {}): CliResult {
	const result = spawnSync(process.execPath, [cliPath, ...args], {
		cwd: options.cwd ?? repoRoot,
		encoding: 'utf8',
		env: {...process.env, NO_COLOR: '1', ...options.env},
		timeout: 600_000,
		killSignal: 'SIGKILL',
		maxBuffer: 256 * 1024 * 1024,
	});
	return {code: result.status, stdout: result.stdout, stderr: result.stderr};
}
