import {summarizeExplanation} from '../explain/format-explanation.js';
import type {CheckReport, ModuleReport} from './check-report.js';
import {summarySentence, undecidedGroups, verdictMark, verdictSummary} from './format-text.js';

export const escape = (text: string) => text.replaceAll('|', '\\|').replaceAll('`', "'");
export const code = (text: string | null) => (text === null ? '—' : `\`${escape(text)}\``);

/** A mismatch report to paste into a bug tracker: verdict table, then every problem with its dmesg line. */
export function formatMarkdown(report: CheckReport): string {
	const out = markdownHeader(report.kernels);
	for (const module of report.modules) {
		out.push(...markdownModule(module));
	}

	out.push(...markdownFooter(report.summary));
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
		out.push(`- ABI groups: ${module.groups.map(group => `{${group.join(', ')}}`).join(' ')}`);
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
			out.push(`| ${problem.kind} | ${code(problem.symbol)} | ${code(problem.module_crc)} | ${code(problem.kernel_crc)} | ${code(problem.exporter)} | ${problem.log.map(line => code(line)).join('<br>') || escape(problem.message)} |`);
		}

		const explained = result.problems.filter(problem => problem.explanation);
		for (const problem of explained) {
			const [heading, ...lines] = summarizeExplanation(problem.explanation!, 20);
			out.push('', `**${escape(problem.symbol ?? '')}** ${escape(heading!)}`, '', ...lines.map(line => `- ${escape(line)}`));
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

	const warnings = module.results.flatMap(result => result.warnings.filter(w => w.kind !== 'unresolved').map(w => `- ${escape(result.kernel)}: ⚠ ${escape(w.message)}`));
	if (warnings.length > 0) {
		out.push('', '### Warnings', '', ...new Set(warnings));
	}


	return out;
}
