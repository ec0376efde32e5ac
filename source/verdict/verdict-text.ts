import {isGplOnly} from '../kernel/kernel.js';
import type {ExportType} from '../module/module-info.js';
import type {KernelVerdict, Warning} from './check-module.js';
import {groupBy} from '../common/arrays.js';

/*
The verdict's own words: the one-line summary of a module on a kernel and the labels of its
problems. The engine puts them in documents (weak-modules' reasons) and every view shows them,
so they live with the verdict rather than in one renderer.
*/

/** The mark of a verdict: ✓ loads, ✗ fails, ? undecided. */
export function verdictMark(result: Pick<KernelVerdict, 'verdict'>): string {
	return result.verdict === 'loads' ? '✓' : (result.verdict === 'fails' ? '✗' : '?');
}

/** One-line verdict of a module on a kernel, shared by the text report, Markdown and the explorer. */
export function verdictSummary(result: KernelVerdict): string {
	const unresolved = result.warnings.filter(w => w.kind === 'unresolved').length;
	const undecided = unresolved > 0 ? `${unresolved} import${unresolved === 1 ? '' : 's'} undecided` : '';
	if (result.verdict === 'loads') {
		const taints = result.warnings.filter(w => w.log.some(line => line.includes('taint'))).map(w => w.kind.replaceAll('_', '-'));
		return 'loads' + (taints.length > 0 ? ` (taints: ${taints.join(', ')})` : '');
	}

	if (result.verdict === 'undecided') {
		return unresolved > 0
			? `undecided: nothing fails, but ${unresolved} import${unresolved === 1 ? '' : 's'} cannot be decided`
			: 'undecided: nothing fails, but the vermagic cannot be checked (the kernel\'s release is not known)';
	}

	const counts = countKinds(result);
	const behind = Object.entries(counts).map(([kind, count]) => `${count} ${kindLabel(kind, count)}`).join(', ');
	const tail = undecided ? `; ${undecided}` : '';
	switch (result.stops_at) {
		case 'arch': {
			return 'fails: wrong architecture';
		}

		case 'module_layout': {
			return `fails at module_layout (${behind})${tail}`;
		}

		case 'vermagic': {
			return `fails at vermagic (${behind})${tail}`;
		}

		case 'exports': {
			return `fails at its export tables (${behind})${tail}`;
		}

		default: {
			return `fails: ${behind}${tail}`;
		}
	}
}

/** Undecided imports grouped by their reason, in order: `[reason, symbols]` (Rust symbols demangled). */
export function undecidedGroups(warnings: Warning[]): Array<[reason: string, symbols: string[]]> {
	return [...groupBy(warnings, warning => (warning.kind === 'unresolved' ? unresolvedReason(warning) : undefined), warning => warning.demangled ?? warning.symbol ?? '')];
}

export function countKinds(result: KernelVerdict): Record<string, number> {
	const counts: Record<string, number> = {};
	for (const problem of result.problems) {
		counts[problem.kind] = (counts[problem.kind] ?? 0) + 1;
	}

	return counts;
}

const kindLabels: Record<string, [string, string]> = {
	crc: ['CRC mismatch', 'CRC mismatches'],
	missing: ['missing symbol', 'missing symbols'],
	gpl_only: ['GPL-only symbol', 'GPL-only symbols'],
	namespace: ['namespace not imported', 'namespaces not imported'],
	vermagic: ['vermagic mismatch', 'vermagic mismatches'],
	no_version: ['symbol without version', 'symbols without version'],
	no_versions: ['module without __versions', 'modules without __versions'],
	arch: ['wrong architecture', 'wrong architecture'],
	proprietary_taint: ['proprietary exporter', 'proprietary exporters'],
	no_export_flags: ['export table without flags', 'export tables without flags'],
};

function kindLabel(kind: string, count: number): string {
	const labels = kindLabels[kind];
	return labels ? labels[count === 1 ? 0 : 1] : kind;
}

/** The reason part of an `unresolved` warning (what follows `<symbol>: `). */
export function unresolvedReason(warning: Warning): string {
	const prefix = `${warning.symbol ?? ''}: `;
	return warning.message.startsWith(prefix) ? warning.message.slice(prefix.length) : warning.message;
}

/** An export's type as people read it: `EXPORT_SYMBOL_GPL (GPL-only)`. */
export function exportTypeText(exportType: ExportType): string {
	return exportType + (isGplOnly(exportType) ? ' (GPL-only)' : '');
}

/** What a missing Rust import whose function the kernel exports as `name` means. */
export const rehashedHint = (name: string) => `this kernel exports the same function under another build hash (${name}): a Rust module must be built against this exact kernel build`;
