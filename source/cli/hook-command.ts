import {existsSync} from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {internalErrorText} from '../common/exit-status.js';
import {InputError, isInputError} from '../common/input-error.js';
import {terminalSafe} from '../common/terminal-text.js';
import {loadKernel} from '../kernel/load-kernel.js';
import {readModuleFile} from '../module/read-module.js';
import {hookPlan, modulesDirectory} from '../engine/kernel-hook.js';
import {formatHook} from '../views/format-hook.js';
import {buildCheckReport} from '../engine/check-report.js';
import type {CliFlags} from './flags.js';
import {emit} from './output.js';
import {scanOptions} from './warn.js';

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

		const plan = hookPlan(root, running, release, scanOptions);
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
			// On stdout always: hook takes no -o.
			emit(text, {output: undefined, force: false});
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
