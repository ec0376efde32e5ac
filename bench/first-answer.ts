import {cpSync, existsSync} from 'node:fs';
import path from 'node:path';
import {cliPath} from '../test/helpers/paths.js';
import {atExit, temporaryDirectory} from '../test/helpers/derive.js';
import {measure, measureTogether, table, type Command} from './measure.js';

/** Where scripts/why-source-check.sh --download keeps Debian's linux-source-6.1 tarballs. */
const sourceDirectory = process.env['KMODX_SOURCE_DIR'] ?? '/tmp/kmodx-source';
const tarballs = {47: path.join(sourceDirectory, 'linux-source-6.1.170-3.tar.xz'), 56: path.join(sourceDirectory, 'linux-source-6.1.192-2.tar.xz')};
const headers = {47: '/usr/src/linux-headers-6.1.0-47-amd64', 56: '/usr/src/linux-headers-6.1.0-56-amd64'};

// Exports of six files, vmlinux and modules, a trace point and a trace header reached through TRACE_INCLUDE_PATH.
const symbols = ['module_layout', 'misc_register', 'kmalloc_trace', '__tracepoint_kvm_apicv_accept_irq', 'drm_sched_job_init', 'rtw89_mac_enable_bb_rf'];

/**
Issue 24: the first answer of `kmodx why SYMBOL` from both kernels' source tarballs, the tarball
indexes cached: "cold" is a symbol whose file was never preprocessed (the generated symtypes
removed before each run), "warm" the same again. With KMODX_BENCH_BASE=<an older build's
kmodx.cjs> each row is measured for it too, round-robin with this build (same conditions).
*/
export function reportFirstAnswer(runs: number): string {
	if (![...Object.values(tarballs), ...Object.values(headers)].every(file => existsSync(file))) {
		return `### first answer from the kernel's source: skipped\n\nNeeds ${Object.values(tarballs).join(' and ')} (scripts/why-source-check.sh --download, or KMODX_SOURCE_DIR) and ${Object.values(headers).join(', ')}.\n`;
	}

	const base = process.env['KMODX_BENCH_BASE'];
	const builds = [{name: 'this build', cli: cliPath}, ...(base ? [{name: 'base', cli: base}] : [])].map(build => ({...build, cold: temporaryDirectory(atExit, 'bench'), warm: temporaryDirectory(atExit, 'bench')}));
	const why = (cli: string, symbol: string) => [process.execPath, cli, 'why', symbol, '-k', `47=${headers[47]}`, '-k', `56=${headers[56]}`, '--types', `47=${tarballs[47]}`, '--types', `56=${tarballs[56]}`, '--json'];
	// Each run without what an earlier one generated (the files' symtypes, or only the remembered answers); the indexes (and the recorded kbuild command) stay.
	const without = (entries: string, command: string[]) => ['bash', '-c', `rm -rf "$KMODX_CACHE_DIR"/${entries}; exec "$@"`, 'bash', ...command];
	for (const build of builds) {
		measure('warm-up: both indexes', why(build.cli, 'misc_register'), 0, {KMODX_CACHE_DIR: build.cold});
		cpSync(build.cold, build.warm, {recursive: true});
	}

	const commands: Command[] = [];
	for (const symbol of symbols) {
		for (const build of builds) {
			commands.push({label: `${build.name}: ${symbol}, cold (its file not preprocessed before)`, command: without('symtypes-source-*', why(build.cli, symbol)), env: {KMODX_CACHE_DIR: build.cold}});
		}
	}

	for (const symbol of symbols) {
		for (const build of builds) {
			commands.push({label: `${build.name}: ${symbol}, warm (asked before)`, command: why(build.cli, symbol), env: {KMODX_CACHE_DIR: build.warm}});
		}
	}

	// A new symbol of a file preprocessed before (misc_register's, in the warm cache).
	for (const build of builds) {
		commands.push({label: `${build.name}: misc_deregister, a new symbol of a file preprocessed before`, command: without('symtypes-source-answer-*', why(build.cli, 'misc_deregister')), env: {KMODX_CACHE_DIR: build.warm}});
	}

	const rows = measureTogether(commands, runs);
	return `### first answer from the kernel's source (issue 24), Debian 6.1.0-47 → 6.1.0-56, tarball indexes cached\n\n${table(rows)}\n\nTarget: a new symbol's first answer ≤ 5 s.${base ? ` Base: ${base}.` : ''}\n`;
}
