import {terminalSafe, terminalSafeDeep} from '../common/terminal-text.js';
import type {CheckReport} from '../engine/check-report.js';
import type {HookPlan} from '../engine/kernel-hook.js';

/* What `kmodx hook` prints when a kernel is installed: nothing when every module loads. */

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
