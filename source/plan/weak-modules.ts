import type {CheckReport} from '../report/check-report.js';
import {counts} from '../report/fail-on.js';
import type {ModuleReport} from '../report/check-report.js';
import type {KernelVerdict, ProblemKind} from '../verdict/check-module.js';
import {verdictSummary} from '../report/format-text.js';

export const weakModulesSchema = 'kmodx.weak-modules/1';

export type WeakModule = {
	path: string;
	name: string;
	vermagic: string | null;
	/** reuse: loads on the new kernel as it is (a weak-updates link would do); rebuild: it does not. */
	decision: 'reuse' | 'rebuild';
	reason: string;
	/** The problems on the new kernel that decide (those of --fail-on). */
	problems: Array<{kind: ProblemKind; symbol: string | null; module_crc: string | null; kernel_crc: string | null}>;
	/** Modules of the same run whose exports it needs on the new kernel. */
	uses: string[];
	/** Whether it loads on --from (null without --from). */
	loads_on_from: boolean | null;
};

export type WeakModulesReport = {
	schema: typeof weakModulesSchema;
	from: CheckReport['kernels'][number] | null;
	to: CheckReport['kernels'][number];
	fail_on: ProblemKind[];
	modules: WeakModule[];
	summary: {modules: number; reuse: number; rebuild: number};
};

/** What the decision keeps of a module's scan: its verdicts and which peers resolve its imports on the new kernel. */
export function weakModule(report: ModuleReport, to: string, from: string | undefined, peerUses: Array<{kernel: string; module: string}>, failOn: ReadonlySet<ProblemKind>): WeakModule {
	const onTo = report.results.find(result => result.kernel === to)!;
	const onFrom = from === undefined ? undefined : report.results.find(result => result.kernel === from);
	const problems = onTo.problems.filter(problem => failOn.has(problem.kind));
	const reuse = !counts(problems.map(problem => problem.kind), failOn);
	return {
		path: report.path,
		name: report.name,
		vermagic: report.vermagic,
		decision: reuse ? 'reuse' : 'rebuild',
		reason: reuse ? reuseReason(onTo) : rebuildReason(onTo, problems),
		problems: problems.map(({kind, symbol, module_crc, kernel_crc}) => ({kind, symbol, module_crc, kernel_crc})),
		uses: [...new Set(peerUses.filter(use => use.kernel === to).map(use => use.module))],
		loads_on_from: onFrom ? onFrom.loads : null,
	};
}

function reuseReason(result: KernelVerdict): string {
	return result.loads ? 'every imported symbol has the same CRC, vermagic, license and namespaces agree' : `only problems outside --fail-on: ${verdictSummary(result)}`;
}

function rebuildReason(result: KernelVerdict, problems: WeakModule['problems']): string {
	const first = problems[0]!;
	const more = problems.length - 1;
	const kinds = new Map<string, number>();
	for (const problem of problems.slice(1)) {
		kinds.set(problem.kind, (kinds.get(problem.kind) ?? 0) + 1);
	}

	const tail = more > 0 ? `, and ${more} more (${[...kinds].map(([kind, count]) => `${count} ${kind}`).join(', ')})` : '';
	switch (first.kind) {
		case 'crc': {
			return `${first.symbol ?? '?'} has another CRC (${first.module_crc ?? '?'} → ${first.kernel_crc ?? '?'})${tail}`;
		}

		case 'missing': {
			return `${first.symbol ?? '?'} is not exported${tail}`;
		}

		default: {
			return `${result.problems.find(problem => problem.kind === first.kind)?.message ?? first.kind}${tail}`;
		}
	}
}

/**
RHEL weak-modules drops a module when a module it needs was dropped: a module that imports from
another given module stays usable only while that one does, so decisions propagate until none changes.
*/
export function propagateRebuilds(modules: WeakModule[]): void {
	const byPath = new Map(modules.map(module => [module.path, module]));
	for (let changed = true; changed;) {
		changed = false;
		for (const module of modules) {
			const broken = module.decision === 'reuse' ? module.uses.map(path => byPath.get(path)).find(peer => peer?.decision === 'rebuild') : undefined;
			if (broken) {
				module.decision = 'rebuild';
				module.reason = `needs ${broken.name} (${broken.path}), which needs a rebuild`;
				changed = true;
			}
		}
	}
}

export function weakModulesSummary(modules: WeakModule[]): WeakModulesReport['summary'] {
	const reuse = modules.filter(module => module.decision === 'reuse').length;
	return {modules: modules.length, reuse, rebuild: modules.length - reuse};
}
