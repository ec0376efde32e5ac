import {markdownCode, markdownText} from '../common/markdown-text.js';
import {changesByType, type Explanation, type TypeChange} from '../typediff/explanation.js';
import {changeMarks, methodLabel, originText, typeCount} from './explanation-lines.js';
import type {KernelVerdict} from '../verdict/check-module.js';
import type {CheckReport, ModuleReport} from '../engine/check-report.js';
import {undecidedGroups, verdictMark, verdictSummary} from '../verdict/verdict-text.js';
import {summarySentence} from './format-text.js';
import {appendAll, groupBy} from '../common/arrays.js';

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
		const dmesg = result.first_failure?.log.map(line => code(line)).join(' · ') ?? '';
		out.push(`| ${escape(result.kernel)} | ${mark} ${escape(verdictSummary(result))} | ${dmesg} |`);
	}

	// Each kernel it does not load on, the whole story: verdict, kernel log, mismatches, why, what to do.
	for (const result of module.results.filter(r => !r.loads)) {
		for (const line of markdownKernel(module, result)) {
			out.push(line);
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

/** One kernel a module does not load on: verdict, the kernel's log, the mismatch table, the why of each CRC mismatch, undecided imports, advice. */
function markdownKernel(module: ModuleReport, result: KernelVerdict): string[] {
	const out = ['', `### ${escape(module.name)} on ${escape(result.kernel)}`, '', `**${verdictMark(result)} ${escape(verdictSummary(result))}**`];
	if (result.dmesg.length > 0) {
		out.push('', 'Kernel log of a load attempt:', '');
		for (const line of result.dmesg) {
			out.push(`- ${code(line)}`);
		}
	}

	if (result.problems.length > 0) {
		out.push('', '| problem | symbol | module CRC | kernel CRC | exported by | kernel log |', '|---|---|---|---|---|---|');
		for (const problem of result.problems) {
			// A Rust symbol: demangled, its mangled name after it.
			const symbol = problem.demangled === undefined ? code(problem.symbol) : `${code(problem.demangled)} (${code(problem.symbol)})`;
			out.push(`| ${problem.kind} | ${symbol} | ${code(problem.module_crc)} | ${code(problem.kernel_crc)} | ${code(problem.exporter)} | ${problem.log.map(line => code(line)).join(' · ') || escape(problem.message)} |`);
		}
	}

	const mismatches = result.problems.filter(problem => problem.kind === 'crc');
	if (mismatches.length > 0) {
		out.push('', `#### Why the CRCs differ on ${escape(result.kernel)}`);
		for (const problem of mismatches.filter(problem => problem.explanation ?? problem.explanation_unavailable)) {
			const name = `**${code(problem.demangled ?? problem.symbol)}**`;
			out.push('');
			appendAll(out, problem.explanation ? markdownExplanation(name, problem.explanation) : [`- ${name}: not explained: ${escape(problem.explanation_unavailable!)}`]);
		}

		// Not computed: listed once per hint (one hint per kernel), with what would explain them.
		const waiting = groupBy(mismatches.filter(problem => !problem.explanation && problem.explanation_unavailable === undefined), problem => problem.not_explained ?? 'not computed', problem => problem.demangled ?? problem.symbol ?? '');

		for (const [hint, symbols] of waiting) {
			out.push('', `- not explained: ${symbols.map(symbol => code(symbol)).join(', ')}: ${escape(hint)}`);
		}
	}

	const groups = undecidedGroups(result.warnings);
	if (groups.length > 0) {
		out.push('', '#### Undecided', '');
		for (const [reason, symbols] of groups) {
			out.push(`- ? ${symbols.map(symbol => code(symbol)).join(', ')}: ${escape(reason)}`);
		}
	}

	if ((result.advice ?? []).length > 0) {
		out.push('', `#### What to do on ${escape(result.kernel)}`, '');
		for (const advice of result.advice!) {
			const names = advice.symbols ? `: ${advice.symbols.map(symbol => code(symbol)).join(', ')}` : '';
			out.push(`- ${escape(advice.text)}${names}${advice.command ? `: ${code(advice.command)}` : ''}`);
		}
	}

	return out;
}

/** At most this many changed types per mismatch, this many changes per type: `kmodx why` shows the rest. */
const typesShown = 20;
const changesShown = 12;

/** The view's marks, with a true minus sign (Markdown renders a bare - as a list bullet). */
function markdownMark(kind: TypeChange['kind']): string | undefined {
	const mark = changeMarks[kind];
	return mark === '-' ? '−' : mark;
}

/** One change as Markdown: mark, member, C text before → after, all untrusted text in code spans. */
function markdownChange(change: TypeChange): string {
	const mark = markdownMark(change.kind);
	// + and − say it for additions and removals; other kinds are named.
	const label = mark ? '' : ` (${escape(change.kind.replaceAll('_', ' '))})`;
	const what = change.member === undefined ? (mark ? escape(change.kind.replaceAll('_', ' ')) : label.slice(2, -1)) : `${code(change.member)}${label}`;
	const text = change.before !== undefined && change.after !== undefined
		? `: ${code(change.before)} → ${code(change.after)}`
		: (change.after ?? change.before) === undefined ? '' : `: ${code((change.after ?? change.before)!)}`;
	return `${mark ?? '~'} ${what}${text}`;
}

/** A mismatch's why as a list item: CRCs, method (verified or approximate), the inputs used, then each changed type with its changes. */
export function markdownExplanation(name: string, explanation: Explanation): string[] {
	const side = ({kernel, crc}: Explanation['from']) => (crc ? `${escape(kernel)} ${code(crc)}` : escape(kernel));
	const recomputed = explanation.recomputed ? ` (recomputed ${code(explanation.recomputed.from)} → ${code(explanation.recomputed.to)})` : '';
	const out = [`- ${name}: ${side(explanation.from)} → ${side(explanation.to)}: ${escape(methodLabel(explanation))}${recomputed}${explanation.complete ? ', the whole cause' : ''}`];
	const inputs = explanation.origins
		? [originText(explanation.origins.from), originText(explanation.origins.to)]
		: (explanation.btf_inputs ? [`BTF of ${explanation.btf_inputs.from}`, `BTF of ${explanation.btf_inputs.to}`] : undefined);
	if (inputs) {
		out.push(`  - inputs: ${escape(explanation.from.kernel)}: ${code(inputs[0]!)}; ${escape(explanation.to.kernel)}: ${code(inputs[1]!)}`);
	}

	if (!explanation.complete && explanation.incomplete) {
		out.push(`  - ${escape(`not the whole cause for certain: ${explanation.incomplete}`)}`);
	}

	const byType = changesByType(explanation.changes);
	out.push(`  - ${typeCount(explanation, byType.size)}${byType.size > 0 ? ':' : ''}`);
	for (const [type, changes] of [...byType].slice(0, typesShown)) {
		const likely = changes[0]!.likelihood ? ` (${changes[0]!.likelihood})` : '';
		const shown = changes.slice(0, changesShown).map(change => markdownChange(change)).join('; ');
		const more = changes.length > changesShown ? `; … ${changes.length - changesShown} more` : '';
		out.push(`    - ${code(type)}${escape(likely)}: ${shown}${more}`);
	}

	if (byType.size > typesShown) {
		out.push(`    - … ${byType.size - typesShown} more: ${code(`kmodx why ${explanation.symbol} -k ${explanation.from.kernel} -k ${explanation.to.kernel}`)}`);
	}

	for (const note of explanation.notes ?? []) {
		out.push(`  - note: ${escape(note)}`);
	}

	return out;
}
