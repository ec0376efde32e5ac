import {spawnSync} from 'node:child_process';
import {existsSync} from 'node:fs';

export type Measurement = {label: string; runs: number; medianSeconds: number; minSeconds: number; maxRssMiB: number};

export type Command = {label: string; command: string[]; env?: NodeJS.ProcessEnv};

/** Wall time and peak RSS of a whole command, through GNU time, repeated after one untimed run; median reported. */
export function measure(label: string, command: string[], runs: number, env?: NodeJS.ProcessEnv): Measurement {
	return measureTogether([{label, command, env}], runs)[0]!;
}

/**
Several commands measured round-robin (A B C, A B C, …): on a shared machine whose speed drifts,
commands compared with each other see the same conditions.
*/
export function measureTogether(commands: Command[], runs: number): Measurement[] {
	if (!existsSync('/usr/bin/time')) {
		throw new Error('GNU time (/usr/bin/time, Debian package "time") is needed to measure peak memory');
	}

	const seconds = commands.map((): number[] => []);
	const rss = commands.map(() => 0);
	// One untimed round first: a warm-cache row must not count the run that fills the cache.
	for (let run = -1; run < runs; run++) {
		for (const [index, {label, command, env}] of commands.entries()) {
			const started = process.hrtime.bigint();
			const result = spawnSync('/usr/bin/time', ['-f', '%M', ...command], {encoding: 'utf8', env: {...process.env, ...env}, maxBuffer: 256 * 1024 * 1024});
			const elapsed = Number(process.hrtime.bigint() - started) / 1e9;
			if (result.status !== 0 && result.status !== 1) {
				throw new Error(`${label}: exit ${String(result.status)}: ${result.stderr}`);
			}

			if (run < 0) {
				continue;
			}

			seconds[index]!.push(elapsed);
			rss[index] = Math.max(rss[index]!, Number(result.stderr.trim().split('\n').at(-1)) / 1024);
		}
	}

	return commands.map(({label}, index) => {
		const sorted = seconds[index]!.sort((a, b) => a - b);
		return {label, runs, medianSeconds: sorted[Math.floor(runs / 2)]!, minSeconds: sorted[0]!, maxRssMiB: rss[index]!};
	});
}

export function table(rows: Measurement[]): string {
	const lines = ['| command | runs | median wall | min wall | peak RSS |', '|---|---|---|---|---|'];
	for (const row of rows) {
		lines.push(`| ${row.label} | ${row.runs} | ${row.medianSeconds.toFixed(3)} s | ${row.minSeconds.toFixed(3)} s | ${row.maxRssMiB.toFixed(0)} MiB |`);
	}

	return lines.join('\n');
}
