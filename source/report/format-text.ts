import {summarizeExplanation} from '../explain/format-explanation.js';
import type {KernelVerdict} from '../verdict/check-module.js';
import type {CheckReport, ModuleReport} from './check-report.js';

export type TextStyle = {
	bad: (text: string) => string;
	good: (text: string) => string;
	dim: (text: string) => string;
	bold: (text: string) => string;
};

const plain: TextStyle = {bad: t => t, good: t => t, dim: t => t, bold: t => t};
const ansi = (code: number) => (text: string) => `\u001B[${code}m${text}\u001B[0m`;
export const colorStyle: TextStyle = {bad: ansi(31), good: ansi(32), dim: ansi(2), bold: ansi(1)};

/** One-line verdict of a module on a kernel, shared by the text report, Markdown and the explorer. */
export function verdictSummary(result: KernelVerdict): string {
	if (result.loads) {
		const taints = result.warnings.filter(w => w.log.some(line => line.includes('taint'))).map(w => w.kind.replaceAll('_', '-'));
		const unresolved = result.warnings.filter(w => w.kind === 'unresolved').length;
		return 'loads' + (taints.length > 0 ? ` (taints: ${taints.join(', ')})` : '') + (unresolved ? `, ${unresolved} symbol${unresolved === 1 ? '' : 's'} undecidable` : '');
	}

	const counts = countKinds(result);
	const behind = Object.entries(counts).map(([kind, count]) => `${count} ${kindLabel(kind, count)}`).join(', ');
	switch (result.stops_at) {
		case 'arch': {
			return 'fails: wrong architecture';
		}

		case 'module_layout': {
			return `fails at module_layout (${behind})`;
		}

		case 'vermagic': {
			return `fails at vermagic (${behind})`;
		}

		default: {
			return `fails: ${behind}`;
		}
	}
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
};

function kindLabel(kind: string, count: number): string {
	const labels = kindLabels[kind];
	return labels ? labels[count === 1 ? 0 : 1] : kind;
}

export function formatText(report: CheckReport, style: TextStyle = plain): string {
	const lines: string[] = [];
	const width = Math.max(...report.kernels.map(kernel => kernel.label.length));
	for (const module of report.modules) {
		lines.push(...moduleText(module, width, style), '');
	}

	lines.push(summaryText(report.summary, style));
	return lines.join('\n') + '\n';
}

export function summaryText({modules, kernels, failures}: CheckReport['summary'], style: TextStyle = plain): string {
	return failures === 0
		? style.good(`✓ ${plural(modules, 'module')} load on ${plural(kernels, 'kernel')}`)
		: style.bad(`✗ ${failures} of ${modules * kernels} module × kernel combinations fail to load`);
}

/** One module's detailed verdicts; `width` is the longest kernel label, for alignment. */
export function moduleText(module: ModuleReport, width: number, style: TextStyle = plain): string[] {
	const lines = [style.bold(`${module.name}  ${module.path}`)];
	const facts = [`vermagic '${module.vermagic ?? '(none)'}'`, `license ${module.license ?? '(none)'}`, plural(module.imports.length, 'versioned import')];
	if (!module.intree) {
		facts.push('out-of-tree');
	}

	lines.push(style.dim('  ' + facts.join(' · ')));
	for (const result of module.results) {
		const label = result.kernel.padEnd(width);
		const mark = result.loads ? style.good('✓') : style.bad('✗');
		lines.push(`  ${mark} ${label}  ${verdictSummary(result)}`);
		if (!result.loads) {
			for (const line of result.first_failure?.log ?? []) {
				lines.push(`      dmesg: ${line}`);
			}

			if (result.first_failure && result.first_failure.log.length === 0) {
				lines.push(`      ${result.first_failure.message}`);
			}

			const rest = result.problems.slice(1);
			if (rest.length > 0 && (result.stops_at === 'module_layout' || result.stops_at === 'vermagic')) {
				lines.push(style.dim('      behind it:'));
			}

			const symbolWidth = Math.max(...result.problems.map(p => (p.symbol ?? '').length));
			for (const problem of result.problems) {
				const crcs = problem.module_crc || problem.kernel_crc ? `${problem.module_crc ?? '—'} → ${problem.kernel_crc ?? '—'}` : '';
				const where = problem.exporter && problem.exporter !== 'vmlinux' ? `  (${problem.exporter})` : '';
				const detail = problem.kind === 'crc' ? crcs : problem.kind === 'missing' || problem.kind === 'namespace' || problem.kind === 'gpl_only' ? problem.message : crcs || problem.message;
				lines.push(`      ${style.bad('✗')} ${problem.kind.padEnd(10)} ${(problem.symbol ?? '').padEnd(symbolWidth)}  ${detail}${where}`);
				if (problem.explanation) {
					lines.push(...summarizeExplanation(problem.explanation).map(line => style.dim(`          ${line}`)));
				} else if (problem.explanation_unavailable) {
					lines.push(style.dim(`          why: ${problem.explanation_unavailable}`));
				}
			}
		}

		const unresolved = result.warnings.filter(w => w.kind === 'unresolved');
		if (unresolved.length > 0) {
			lines.push(style.dim(`      ? ${unresolved.length} symbols are not in vmlinux and ${result.kernel} lists no modules: ${unresolved.slice(0, 5).map(w => w.symbol).join(', ')}${unresolved.length > 5 ? ', …' : ''}`));
		}
	}

	// Taints and notes are mostly the same on every kernel: say each once, naming the kernels.
	const notes = new Map<string, string[]>();
	for (const result of module.results) {
		for (const warning of result.warnings.filter(w => w.kind !== 'unresolved')) {
			notes.set(warning.message, [...(notes.get(warning.message) ?? []), result.kernel]);
		}
	}

	for (const [message, kernels] of notes) {
		const where = kernels.length === module.results.length ? '' : ` (${kernels.join(', ')})`;
		lines.push(style.dim(`  ⚠ ${message}${where}`));
	}

	if (module.results.length > 1) {
		const groups = module.groups.map(group => `{${group.join(', ')}}`).join(' ');
		lines.push(`  ABI groups: ${groups}: ${module.groups.length === 1 ? 'one build serves every kernel' : `${module.groups.length} builds needed`}`);
	}

	return lines;
}

export function plural(count: number, word: string): string {
	return `${count} ${word}${count === 1 ? '' : 's'}`;
}
