import {existsSync, statSync} from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {internalErrorText} from '../common/exit-status.js';
import {InputError, isInputError} from '../common/input-error.js';
import {terminalSafe, terminalSafeDeep} from '../common/terminal-text.js';
import {loadKernel} from '../kernel/load-kernel.js';
import {findModules} from '../module/find-modules.js';
import {moduleNameFromPath, readModuleFile} from '../module/read-module.js';
import {buildCheckReport, type CheckReport} from '../report/check-report.js';
import type {CliFlags} from './flags.js';
import {scanOptions} from './warn.js';

/** Where distributions put modules that are not the kernel's own: DKMS (`updates/dkms`), vendors, RHEL's weak-updates. */
export const outOfTreeDirectories = ['updates', 'extra', 'weak-updates'] as const;

/** A kernel's modules directory under `root`: lib/modules/REL, or usr/lib/modules/REL (merged /usr). */
function modulesDirectory(root: string, release: string): string | undefined {
	return [path.join(root, 'lib', 'modules', release), path.join(root, 'usr', 'lib', 'modules', release)].find(directory => isDirectory(directory));
}

function isDirectory(file: string): boolean {
	try {
		return statSync(file).isDirectory();
	} catch {
		return false;
	}
}

/** The modules under a kernel's out-of-tree directories, by module name (the first found wins, as depmod orders them). */
function outOfTreeModules(directory: string | undefined): Map<string, string> {
	const modules = new Map<string, string>();
	for (const name of outOfTreeDirectories) {
		const subdirectory = directory && path.join(directory, name);
		if (!subdirectory || !isDirectory(subdirectory)) {
			continue;
		}

		let files: string[] = [];
		try {
			files = findModules([subdirectory], scanOptions);
		} catch (error) {
			// An empty updates/ is no module, not an error.
			if (!(error instanceof InputError)) {
				throw error;
			}
		}

		for (const file of files) {
			const module = moduleNameFromPath(file).replaceAll('-', '_');
			if (!modules.has(module)) {
				modules.set(module, file);
			}
		}
	}

	return modules;
}

export type HookPlan = {
	running: string;
	release: string;
	/** Each out-of-tree module of the running kernel, and the file that would load on the new one. */
	modules: Array<{name: string; running: string; candidate: string; installedForNew: boolean}>;
};

/**
What the hook checks: every out-of-tree module of the running kernel. When the new kernel has its
own module of that name (DKMS built one for it before this hook ran), that file is what will load,
and it is checked; otherwise the running kernel's file, as `weak-modules` would reuse it.
*/
export function hookPlan(root: string, running: string, release: string): HookPlan {
	const current = outOfTreeModules(modulesDirectory(root, running));
	const next = outOfTreeModules(modulesDirectory(root, release));
	return {
		running,
		release,
		modules: [...current].map(([name, file]) => ({name, running: file, candidate: next.get(name) ?? file, installedForNew: next.has(name)})),
	};
}

/**
`kmodx hook RELEASE`: run by the kernel's install hooks (Debian's /etc/kernel/postinst.d, the
`kernel-install` plugin) after a kernel is installed: says which out-of-tree modules of the
running kernel will not load on it and what to run. Quiet when every one loads. Never stops an
install: the status is 0 whatever happens, unless --strict (1 when one will not load, 2 on an
error). `--root DIR` (or KMODX_ROOT) reads another root and `--from` (or KMODX_RUNNING_RELEASE)
names the running kernel, as in a chroot, an image build or a test.
*/
export async function runHook(input: string[], flags: CliFlags & {root?: string; strict?: boolean}): Promise<number> {
	const strict = Boolean(flags.strict);
	try {
		const [release, ...rest] = input;
		if (!release || rest.length > 0) {
			throw new InputError(undefined, 'kmodx hook RELEASE [--from RUNNING] [--root DIR] [--strict]: one release, the kernel just installed');
		}

		const root = flags.root ?? process.env['KMODX_ROOT'] ?? '/';
		const running = flags.from ?? process.env['KMODX_RUNNING_RELEASE'] ?? os.release();
		if (running === release) {
			return 0;
		}

		const plan = hookPlan(root, running, release);
		if (plan.modules.length === 0) {
			return 0;
		}

		const directory = modulesDirectory(root, release);
		if (!directory) {
			throw new InputError(path.join(root, 'lib', 'modules', release), 'not installed: no modules directory for this release');
		}

		const kernel = await loadKernel({label: release, source: directory});
		const modules = await Promise.all(plan.modules.map(async module => readModuleFile(module.candidate)));
		const dkmsRoot = path.join(root, 'var', 'lib', 'dkms');
		const report = buildCheckReport(modules, [kernel], {missingVersion: flags.missingVersion, ...(existsSync(dkmsRoot) ? {dkmsRoot} : {})});
		const text = formatHook(report, plan);
		if (text) {
			process.stdout.write(text);
		}

		return strict && report.summary.failures + report.summary.undecided > 0 ? 1 : 0;
	} catch (error) {
		if (strict) {
			throw error;
		}

		// A hook that fails must not fail the kernel's installation: one line (a bug's as every
		// command writes it), and on.
		process.stderr.write(isInputError(error) ? `kmodx hook: ${terminalSafe(error.message)} (the kernel's installation goes on)\n` : internalErrorText(error));
		return 0;
	}
}

/** The modules that will not load (or are undecided), each with its reason and what to run; empty when all load. */
export function formatHook(untrusted: CheckReport, plan: HookPlan): string {
	const report = terminalSafeDeep(untrusted);
	const release = terminalSafe(plan.release);
	// The report keeps the plan's order: module i is plan.modules[i].
	const failing = report.modules.map((module, index) => ({module, entry: plan.modules[index]!})).filter(({module}) => module.results[0]!.verdict !== 'loads');
	if (failing.length === 0) {
		return '';
	}

	const total = report.modules.length;
	const undecided = failing.some(({module}) => module.results[0]!.verdict === 'undecided');
	const lines = [`kmodx: ${failing.length} of ${total} out-of-tree module${total === 1 ? '' : 's'} of ${terminalSafe(plan.running)} will not load on ${release}${undecided ? ' (or are undecided)' : ''}:`];
	for (const {module, entry} of failing) {
		const result = module.results[0]!;
		const where = entry.installedForNew ? `installed for ${release}` : `built for ${terminalSafe(plan.running)}, none installed for ${release}`;
		lines.push(`  ${result.verdict === 'undecided' ? '?' : '✗'} ${module.name} (${where}: ${module.path})`);
		// The first lines say why; a module with many unknown symbols would bury the advice.
		const shown = result.dmesg.slice(0, 3);
		for (const line of shown) {
			lines.push(`      dmesg: ${line}`);
		}

		if (result.dmesg.length > shown.length) {
			lines.push(`      dmesg: … ${result.dmesg.length - shown.length} more lines (kmodx check shows them all)`);
		}

		for (const advice of result.advice ?? []) {
			lines.push(`      → ${advice.text}${advice.command ? `:  ${advice.command}` : ''}`);
		}
	}

	return lines.join('\n') + '\n';
}
