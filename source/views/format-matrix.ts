import {readableSymbol} from '../common/rust-symbol.js';
import {terminalSafeDeep} from '../common/terminal-text.js';
import {shortenMiddle} from '../common/text-cells.js';
import type {KernelVerdict} from '../verdict/check-module.js';
import type {CheckReport} from '../engine/check-report.js';
import {code, escape} from './format-markdown.js';
import {plainStyle, summarySentence, symbolColumn, type TextStyle} from './format-text.js';

/** One module's row of the matrix: what each cell says, nothing else of the module is kept. */
export type MatrixRow = {name: string; path: string; cells: string[]};

/** A matrix cell: ✓, ✗ and the check the kernel stops at (the one dmesg shows), or ? and the undecided imports. */
export function cellText(result: KernelVerdict): string {
	if (result.verdict === 'loads') {
		return '✓';
	}

	if (result.verdict === 'undecided') {
		const unresolved = result.warnings.filter(w => w.kind === 'unresolved');
		if (unresolved.length === 0) {
			return '? vermagic unknown';
		}

		return unresolved.length === 1 ? `? unresolved ${cellSymbol(unresolved[0]!.symbol)}`.trimEnd() : `? ${unresolved.length} unresolved`;
	}

	const first = result.first_failure;
	switch (result.stops_at) {
		case 'arch': {
			return '✗ arch';
		}

		case 'module_layout': {
			return first?.kind === 'no_versions' ? '✗ no __versions' : first?.kind === 'no_version' ? '✗ no CRC for module_layout' : '✗ module_layout';
		}

		case 'vermagic': {
			return '✗ vermagic';
		}

		case 'exports': {
			return '✗ no export flags';
		}

		default: {
			if (result.problems.length === 1 && first) {
				return `✗ ${first.kind} ${cellSymbol(first.symbol)}`.trimEnd();
			}

			const counts = new Map<string, number>();
			for (const problem of result.problems) {
				counts.set(problem.kind, (counts.get(problem.kind) ?? 0) + 1);
			}

			return '✗ ' + [...counts].map(([kind, count]) => `${count} ${kind}`).join(', ');
		}
	}
}

/** A symbol in a cell: demangled when Rust, and bounded as the detailed report's symbol column. */
function cellSymbol(symbol: string | null): string {
	return symbol === null ? '' : shortenMiddle(readableSymbol(symbol), symbolColumn);
}

export type MatrixSummary = {kernels: CheckReport['kernels']; summary: CheckReport['summary']; loadsPerKernel: number[]; undecidedPerKernel: number[]};

/** A kernel's count under its column: how many modules load, and how many are undecided. */
function loadsText(loads: number, undecided: number, modules: number): string {
	return `${loads}/${modules}${undecided > 0 ? ` (${undecided} ?)` : ''}`;
}

/** Modules × kernels, aligned columns; a count per kernel under them. */
export function formatMatrixText(untrustedRows: MatrixRow[], {kernels: untrustedKernels, summary, loadsPerKernel, undecidedPerKernel}: MatrixSummary, style: TextStyle = plainStyle): string {
	const rows = terminalSafeDeep(untrustedRows);
	const kernels = terminalSafeDeep(untrustedKernels);
	const header = ['module', ...kernels.map(kernel => kernel.label)];
	const widths = header.map(text => columns(text));
	for (const row of rows) {
		widths[0] = Math.max(widths[0]!, columns(row.name));
		for (const [index, cell] of row.cells.entries()) {
			widths[index + 1] = Math.max(widths[index + 1]!, columns(cell));
		}
	}

	const totals = ['loads', ...loadsPerKernel.map((count, index) => loadsText(count, undecidedPerKernel[index] ?? 0, summary.modules))];
	for (const [index, text] of totals.entries()) {
		widths[index] = Math.max(widths[index]!, columns(text));
	}

	const pad = (text: string, width: number) => text + ' '.repeat(Math.max(0, width - columns(text)));
	const lines = [style.bold(header.map((text, index) => pad(text, widths[index]!)).join('  ').trimEnd())];
	for (const row of rows) {
		const cells = row.cells.map((cell, index) => {
			const padded = pad(cell, widths[index + 1]!);
			return cell.startsWith('✓') ? style.good(padded) : (cell.startsWith('?') ? padded : style.bad(padded));
		});
		lines.push([pad(row.name, widths[0]!), ...cells].join('  ').trimEnd());
	}

	lines.push(style.dim(totals.map((text, index) => pad(text, widths[index]!)).join('  ').trimEnd()), '');
	lines.push(summary.loads_everywhere ? style.good(summarySentence(summary)) : style.bad(summarySentence(summary)));
	return lines.join('\n') + '\n';
}

export function formatMatrixMarkdown(rows: MatrixRow[], {kernels, summary, loadsPerKernel, undecidedPerKernel}: MatrixSummary): string {
	const out = ['# kmodx check report', '', '| kernel | source | release | vermagic | modules that load |', '|---|---|---|---|---|'];
	for (const [index, kernel] of kernels.entries()) {
		const undecided = undecidedPerKernel[index] ?? 0;
		out.push(`| ${escape(kernel.label)} | ${code(kernel.source)} (${kernel.kind}) | ${code(kernel.release)} | ${code(kernel.vermagic)} | ${loadsPerKernel[index]!} of ${summary.modules}${undecided > 0 ? `, ${undecided} undecided` : ''} |`);
	}

	out.push('', `| module | ${kernels.map(kernel => escape(kernel.label)).join(' | ')} |`, `|---|${kernels.map(() => '---|').join('')}`);
	for (const row of rows) {
		out.push(`| ${escape(row.name)} | ${row.cells.map(cell => escape(cell)).join(' | ')} |`);
	}

	out.push('', `**Result: ${escape(summarySentence(summary).replace(/^. /, ''))}.**`, '');
	return out.join('\n');
}

/** Code points, as `[...text].length` counts them, without making an array (the matrix measures every cell twice). */
function columns(text: string): number {
	let count = text.length;
	for (let index = 0; index < text.length; index++) {
		const unit = text.charCodeAt(index);
		const next = text.charCodeAt(index + 1);
		if (unit >= 0xD8_00 && unit <= 0xDB_FF && next >= 0xDC_00 && next <= 0xDF_FF) {
			count--; // A surrogate pair is one code point.
			index++;
		}
	}

	return count;
}
