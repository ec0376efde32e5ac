import {terminalSafeDeep} from '../common/terminal-text.js';
import {cellWidth, padCells, shortenMiddle} from '../common/text-cells.js';
import {summarizeExplanation} from './explanation-text.js';
import {undecidedGroups, verdictMark, verdictSummary} from '../verdict/verdict-text.js';
import {appendAll, groupBy} from '../common/arrays.js';
import type {CheckReport, CheckSummary, ModuleReport} from '../engine/check-report.js';

export type TextStyle = {
	bad: (text: string) => string;
	good: (text: string) => string;
	dim: (text: string) => string;
	bold: (text: string) => string;
};

/** No color: what goes to a file, a pipe or NO_COLOR. */
export const plainStyle: TextStyle = {bad: t => t, good: t => t, dim: t => t, bold: t => t};
const ansi = (code: number) => (text: string) => `\u001B[${code}m${text}\u001B[0m`;
export const colorStyle: TextStyle = {bad: ansi(31), good: ansi(32), dim: ansi(2), bold: ansi(1)};

export function formatText(untrusted: CheckReport, style: TextStyle = plainStyle): string {
	// Every name in the report came from a file: made safe for a terminal once, here.
	const report = terminalSafeDeep(untrusted);
	const lines: string[] = [];
	const width = report.kernels.reduce((max, kernel) => Math.max(max, kernel.label.length), 0);
	// Line by line, never push(...lines): a module of 100,000 problems would overflow the stack as arguments.
	for (const module of report.modules) {
		for (const line of moduleText(module, width, style)) {
			lines.push(line);
		}

		lines.push('');
	}

	lines.push(summaryText(report.summary, style));
	return lines.join('\n') + '\n';
}

/** The last line of a check: everything loads, some combinations fail, or some are undecided. */
export function summaryText(summary: CheckSummary, style: TextStyle = plainStyle): string {
	const text = summarySentence(summary);
	return summary.loads_everywhere ? style.good(text) : style.bad(text);
}

export function summarySentence({modules, kernels, failures, undecided}: CheckSummary): string {
	const total = modules * kernels;
	const combinations = (count: number) => `${count} of ${total} module × kernel combination${total === 1 ? '' : 's'}`;
	if (failures === 0 && undecided === 0) {
		return `✓ ${plural(modules, 'module')} load${modules === 1 ? 's' : ''} on ${kernels === 1 ? '1 kernel' : kernels === 2 ? 'both kernels' : `all ${kernels} kernels`}`;
	}

	const is = (count: number) => (count === 1 ? 'is' : 'are');
	if (failures === 0) {
		return `? ${combinations(undecided)} ${is(undecided)} undecided: an import cannot be decided (the ? lines say why and what to give)`;
	}

	return `✗ ${combinations(failures)} fail${failures === 1 ? 's' : ''} to load${undecided > 0 ? `; ${undecided} ${is(undecided)} undecided` : ''}`;
}

/** The widest the symbol column of a problem list gets, in terminal cells; longer names are cut in the middle. */
export const symbolColumn = 48;

/** One module's detailed verdicts; `width` is the longest kernel label, for alignment. */
export function moduleText(untrusted: ModuleReport, width: number, style: TextStyle = plainStyle): string[] {
	const module = terminalSafeDeep(untrusted);
	const lines = [style.bold(`${module.name}  ${module.path}`)];
	const versioned = module.imports.filter(entry => entry.crc !== null).length;
	const imports = module.has_versions ? plural(versioned, 'versioned import') : `${plural(module.imports.length, 'import')}, no __versions`;
	const facts = [`vermagic '${module.vermagic ?? '(none)'}'`, `license ${module.license ?? '(none)'}`, imports];
	if (!module.intree) {
		facts.push('out-of-tree');
	}

	lines.push(style.dim('  ' + facts.join(' · ')));
	for (const result of module.results) {
		const label = result.kernel.padEnd(width);
		const mark = result.loads ? style.good('✓') : style.bad(verdictMark(result));
		lines.push(`  ${mark} ${label}  ${verdictSummary(result)}`);
		if (result.verdict === 'fails') {
			for (const line of result.first_failure?.log ?? []) {
				lines.push(`      dmesg: ${line}`);
			}

			if (result.first_failure && result.first_failure.log.length === 0) {
				lines.push(`      ${result.first_failure.message}`);
			}

			const rest = result.problems.slice(1);
			if (rest.length > 0 && (result.stops_at === 'module_layout' || result.stops_at === 'vermagic' || result.stops_at === 'exports')) {
				lines.push(style.dim('      behind it:'));
			}

			// The symbol column: demangled Rust names, every name cut to a bounded width (a Rust name is 100 characters).
			const shown = result.problems.map(problem => shortenMiddle(problem.demangled ?? problem.symbol ?? '', symbolColumn));
			const symbolWidth = shown.reduce((max, name) => Math.max(max, cellWidth(name)), 0);
			for (const [index, problem] of result.problems.entries()) {
				const crcs = problem.module_crc || problem.kernel_crc ? `${problem.module_crc ?? '—'} → ${problem.kernel_crc ?? '—'}` : '';
				const where = problem.exporter && problem.exporter !== 'vmlinux' ? `  (${problem.exporter})` : '';
				const detail = problem.kind === 'crc' ? crcs : problem.kind === 'missing' || problem.kind === 'namespace' || problem.kind === 'gpl_only' ? problem.message : crcs || problem.message;
				// What the column does not show (a mangled name, a name cut short) ends the line, unless the message says it.
				const symbol = problem.symbol ?? '';
				const whole = shown[index] !== symbol && !detail.includes(symbol) ? `  [${symbol}]` : '';
				lines.push(`      ${style.bad('✗')} ${problem.kind.padEnd(10)} ${padCells(shown[index]!, symbolWidth)}  ${detail}${where}${whole}`);
				if (problem.explanation) {
					appendAll(lines, summarizeExplanation(problem.explanation).map(line => style.dim(`          ${line}`)));
				} else if (problem.explanation_unavailable) {
					lines.push(style.dim(`          why: ${problem.explanation_unavailable}`));
				}
			}

			// Whys not computed: said once per kernel, with what would compute them.
			const waiting = result.problems.filter(problem => problem.not_explained !== undefined);
			if (waiting.length > 0) {
				lines.push(style.dim(`      why not explained (${plural(waiting.length, 'CRC mismatch', 'CRC mismatches')}): ${waiting[0]!.not_explained!}`));
			}
		}

		for (const [reason, symbols] of undecidedGroups(result.warnings)) {
			lines.push(`      ? ${plural(symbols.length, 'import')} undecided: ${symbols.slice(0, 6).join(', ')}${symbols.length > 6 ? `, and ${symbols.length - 6} more` : ''}`);
			lines.push(style.dim(`          ${reason}`));
		}

		for (const advice of result.advice ?? []) {
			const names = advice.symbols ? `: ${advice.symbols.slice(0, 6).join(', ')}${advice.symbols.length > 6 ? `, and ${advice.symbols.length - 6} more` : ''}` : '';
			lines.push(`      → ${advice.text}${names}${advice.command ? ':' : ''}`);
			if (advice.command) {
				lines.push(style.bold(`          $ ${advice.command}`));
			}
		}
	}

	// Taints and notes are mostly the same on every kernel: say each once, naming the kernels.
	const notes = groupBy(module.results.flatMap(result => result.warnings.filter(w => w.kind !== 'unresolved').map(warning => ({message: warning.message, kernel: result.kernel}))), note => note.message, note => note.kernel);

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

export function plural(count: number, word: string, words = `${word}s`): string {
	return `${count} ${count === 1 ? word : words}`;
}
