import type {CheckReport} from './check-report.js';
import {counts, type FailKind} from './fail-on.js';
import type {ModuleReport} from './check-report.js';
import type {KernelVerdict, ProblemKind} from '../verdict/check-module.js';
import {verdictSummary} from '../verdict/verdict-text.js';

export const weakModulesSchema = 'kmodx.weak-modules/1';

export type WeakModule = {
	path: string;
	name: string;
	vermagic: string | null;
	/**
	reuse: loads on the new kernel as it is (a weak-updates link would do); rebuild: it does not;
	undecided: nothing counted fails, but some import cannot be decided on the new kernel.
	*/
	decision: 'reuse' | 'rebuild' | 'undecided';
	reason: string;
	/** The problems on the new kernel that decide (those of --fail-on). */
	problems: Array<{kind: ProblemKind; symbol: string | null; module_crc: string | null; kernel_crc: string | null}>;
	/** Imports that cannot be decided on the new kernel (it lists only vmlinux's exports). */
	undecided: string[];
	/** Modules of the same run whose exports it needs on the new kernel. */
	uses: string[];
	/** Whether it loads on --from (null without --from, or when undecided there). */
	loads_on_from: boolean | null;
};

export type WeakModulesReport = {
	schema: typeof weakModulesSchema;
	from: CheckReport['kernels'][number] | null;
	to: CheckReport['kernels'][number];
	fail_on: FailKind[];
	modules: WeakModule[];
	summary: {modules: number; reuse: number; rebuild: number; undecided: number};
};

/** What the decision keeps of a module's scan: its verdicts and which peers resolve its imports on the new kernel. */
export function weakModule(report: ModuleReport, to: string, from: string | undefined, peerUses: Array<{kernel: string; module: string}>, failOn: ReadonlySet<FailKind>): WeakModule {
	const onTo = report.results.find(result => result.kernel === to)!;
	const onFrom = from === undefined ? undefined : report.results.find(result => result.kernel === from);
	const problems = onTo.problems.filter(problem => failOn.has(problem.kind));
	const unresolved = onTo.warnings.filter(warning => warning.kind === 'unresolved');
	const rebuild = counts(problems.map(problem => problem.kind), failOn);
	const decision = rebuild ? 'rebuild' : (unresolved.length > 0 || onTo.verdict === 'undecided' ? 'undecided' : 'reuse');
	return {
		path: report.path,
		name: report.name,
		vermagic: report.vermagic,
		decision,
		reason: decision === 'rebuild' ? rebuildReason(onTo, problems) : (decision === 'undecided' ? undecidedReason(onTo, to) : reuseReason(onTo, to)),
		problems: problems.map(({kind, symbol, module_crc, kernel_crc}) => ({kind, symbol, module_crc, kernel_crc})),
		undecided: unresolved.map(warning => warning.symbol!),
		uses: [...new Set(peerUses.filter(use => use.kernel === to).map(use => use.module))],
		loads_on_from: onFrom && onFrom.verdict !== 'undecided' ? onFrom.loads : null,
	};
}

/** Only what was checked: vermagic is named as agreeing only when the new kernel told what it expects. */
function reuseReason(result: KernelVerdict, to: string): string {
	const vermagic = result.warnings.some(warning => warning.kind === 'vermagic_unknown')
		? `vermagic not checked: ${to} does not say what it expects (give its config, headers directory or image)`
		: 'vermagic agrees';
	return result.loads
		? `every imported symbol resolves with the same CRC, license and namespaces allow it; ${vermagic}`
		: `only problems outside --fail-on: ${verdictSummary(result)}`;
}

function undecidedReason(result: KernelVerdict, to: string): string {
	const symbols = result.warnings.filter(warning => warning.kind === 'unresolved').map(warning => warning.symbol!);
	if (symbols.length === 0) {
		// Without modversions the vermagic decides alone, and the input did not tell it.
		return result.warnings.find(warning => warning.kind === 'vermagic_unknown')?.message ?? `undecided on ${to}`;
	}

	const shown = symbols.slice(0, 3).join(', ') + (symbols.length > 3 ? `, and ${symbols.length - 3} more` : '');
	const first = result.warnings.find(warning => warning.kind === 'unresolved')!.message;
	const give = /; (give .*)$/.exec(first)?.[1];
	return `${symbols.length} import${symbols.length === 1 ? '' : 's'} undecided on ${to} (${shown})${give ? `: ${give}` : ''}`;
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
another given module stays usable only while that one does, so decisions propagate until none
changes. A module that needs an undecided one is undecided.
*/
export function propagateRebuilds(modules: WeakModule[]): void {
	const byPath = new Map(modules.map(module => [module.path, module]));
	for (let changed = true; changed;) {
		changed = false;
		for (const module of modules) {
			if (module.decision === 'rebuild') {
				continue;
			}

			const peers = module.uses.map(path => byPath.get(path));
			const broken = peers.find(peer => peer?.decision === 'rebuild');
			const unsure = module.decision === 'reuse' ? peers.find(peer => peer?.decision === 'undecided') : undefined;
			if (broken) {
				module.decision = 'rebuild';
				module.reason = `needs ${broken.name} (${broken.path}), which needs a rebuild`;
				changed = true;
			} else if (unsure) {
				module.decision = 'undecided';
				module.reason = `needs ${unsure.name} (${unsure.path}), which is undecided`;
				changed = true;
			}
		}
	}
}

export function weakModulesSummary(modules: WeakModule[]): WeakModulesReport['summary'] {
	const count = (decision: WeakModule['decision']) => modules.filter(module => module.decision === decision).length;
	return {modules: modules.length, reuse: count('reuse'), rebuild: count('rebuild'), undecided: count('undecided')};
}
