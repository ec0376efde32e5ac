import {markdownCode, markdownText} from '../common/markdown-text.js';
import {summarizeExplanation} from '../explain/format-explanation.js';
import type {CheckReport, ModuleReport} from './check-report.js';
import {summarySentence, undecidedGroups, verdictMark, verdictSummary} from './format-text.js';

/** Untrusted text in Markdown (headings, cells, list items) and in code spans: source/common/markdown-text.ts. */
export const escape = markdownText;
export const code = markdownCode;

/** A mismatch report to paste into a bug tracker: verdict table, then every problem with its dmesg line. */
export function formatMarkdown(report: CheckReport): string {
	const out = markdownHeader(report.kernels);
	// Line by line, never push(...lines): a module of 100,000 problems would overflow the stack as arguments.
	for (const module of report.modules) {
		for (const line of markdownModule(module)) {
			out.push(line);
		}
	}

	for (const line of markdownFooter(report.summary)) {
		out.push(line);
	}
	return out.join('\n');
}

export function markdownHeader(kernels: CheckReport['kernels']): string[] {
	const out: string[] = ['# kmodx check report', ''];
	out.push('| kernel | source | release | vermagic |', '|---|---|---|---|');
	for (const kernel of kernels) {
		out.push(`| ${escape(kernel.label)} | ${code(kernel.source)} (${kernel.kind}) | ${code(kernel.release)} | ${code(kernel.vermagic)} |`);
	}

	return out;
}

export function markdownFooter(summary: CheckReport['summary']): string[] {
	return ['', `**Result: ${escape(summarySentence(summary).replace(/^. /, ''))}.**`, ''];
}

/** One module's section: facts, verdict table, every problem. */
export function markdownModule(module: ModuleReport): string[] {
	const out: string[] = [];
	out.push('', `## ${escape(module.name)}`, '', `- file: ${code(module.path)}`, `- vermagic: ${code(module.vermagic)}`, `- license: ${code(module.license)}${module.intree ? '' : ' (out-of-tree)'}`, `- versioned imports: ${module.imports.length}`);
	if (module.results.length > 1) {
		out.push(`- ABI groups: ${module.groups.map(group => `{${group.map(label => escape(label)).join(', ')}}`).join(' ')}`);
	}

	out.push('', '| kernel | verdict | dmesg |', '|---|---|---|');
	for (const result of module.results) {
		const mark = verdictMark(result);
		const dmesg = result.first_failure?.log.map(line => code(line)).join('<br>') ?? '';
		out.push(`| ${escape(result.kernel)} | ${mark} ${escape(verdictSummary(result))} | ${dmesg} |`);
	}

	for (const result of module.results.filter(r => r.problems.length > 0)) {
		out.push('', `### ${escape(module.name)} on ${escape(result.kernel)}`, '', '| problem | symbol | module CRC | kernel CRC | exported by | kernel log |', '|---|---|---|---|---|---|');
		for (const problem of result.problems) {
			// A Rust symbol: demangled, its mangled name below.
			const symbol = problem.demangled === undefined ? code(problem.symbol) : `${code(problem.demangled)}<br>${code(problem.symbol)}`;
			out.push(`| ${problem.kind} | ${symbol} | ${code(problem.module_crc)} | ${code(problem.kernel_crc)} | ${code(problem.exporter)} | ${problem.log.map(line => code(line)).join('<br>') || escape(problem.message)} |`);
		}

		const explained = result.problems.filter(problem => problem.explanation);
		for (const problem of explained) {
			const [heading, ...lines] = summarizeExplanation(problem.explanation!, 20);
			out.push('', `**${escape(problem.demangled ?? problem.symbol ?? '')}** ${escape(heading!)}`, '', ...lines.map(line => `- ${escape(line)}`));
		}
	}

	for (const result of module.results) {
		const groups = undecidedGroups(result.warnings);
		if (groups.length > 0) {
			out.push('', `### ${escape(module.name)} on ${escape(result.kernel)}: undecided`, '');
			for (const [reason, symbols] of groups) {
				out.push(`- ? ${symbols.map(symbol => code(symbol)).join(', ')}: ${escape(reason)}`);
			}
		}
	}

	for (const result of module.results.filter(r => (r.advice ?? []).length > 0)) {
		out.push('', `### What to do on ${escape(result.kernel)}`, '');
		for (const advice of result.advice!) {
			const names = advice.symbols ? `: ${advice.symbols.map(symbol => code(symbol)).join(', ')}` : '';
			out.push(`- ${escape(advice.text)}${names}${advice.command ? `: ${code(advice.command)}` : ''}`);
		}
	}

	const warnings = module.results.flatMap(result => result.warnings.filter(w => w.kind !== 'unresolved').map(w => `- ${escape(result.kernel)}: ⚠ ${escape(w.message)}`));
	if (warnings.length > 0) {
		out.push('', '### Warnings', '');
		for (const warning of new Set(warnings)) {
			out.push(warning);
		}
	}


	return out;
}
