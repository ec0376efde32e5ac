import {formatCrc} from '../../common/hex.js';
import type {RuleDecision} from '../../kabi/rules.js';
import type {ExportDiffRow} from '../../kernel/diff-kernels.js';
import {crcText} from '../../views/format-diff.js';
import type {Kernel, KernelExport} from '../../kernel/kernel.js';
import type {ModuleReport} from '../../engine/check-report.js';
import type {Problem, Warning} from '../../verdict/check-module.js';
import {groupBy} from '../../common/arrays.js';

/**
Every state has its own mark so that nothing depends on color (NO_COLOR, --no-color).
`added`/`removed` only occur when two kernels are compared.
*/
export type CellState = 'ok' | 'bad' | 'unknown' | 'warn' | 'added' | 'removed' | 'none';

export const marks: Record<CellState, string> = {ok: '✓', bad: '✗', unknown: '?', warn: '⚠', added: '+', removed: '−', none: ' '};

export type Cell = {state: CellState; text: string};

/** One line of the symbol table: a module import (check mode) or a kernel export (diff mode). */
export type TableRow = {
	/** The symbol as the files spell it (lookups, copy, explanations). */
	name: string;
	/** What the table shows: the demangled name of a Rust symbol, else the name. */
	label: string;
	/** A Rust function under another crate hash in some kernel (diff `rehashed`): each kernel's own name, null where it lacks it. */
	names?: Array<string | null>;
	/** Lower-cased name (and label), precomputed: search scans every row on each keystroke. */
	key: string;
	status: CellState;
	/** Position in the source order (module's `__versions` order, or by name in diff mode). */
	order: number;
	/** 0 when this symbol is where a kernel stops (the dmesg line): listed first among equals. */
	priority: number;
	/** CRC from the module's `__versions`; undefined in diff mode. */
	moduleCrc: string | null | undefined;
	/** One cell per kernel, in the order the kernels were given. */
	cells: Cell[];
	exporter: string;
	/** Short reason: problem kinds (check) or change kinds (diff). */
	note: string;
	/** Diff mode with --rules: what the rules decided about the change (undefined: not judged). */
	decision?: RuleDecision;
};

/** Sort rank of a state: what needs attention first. */
export const statusRank: Record<CellState, number> = {bad: 0, removed: 1, added: 2, warn: 3, unknown: 4, ok: 5, none: 6};

const worst = (states: CellState[]): CellState => states.reduce<CellState>((a, b) => (statusRank[b] < statusRank[a] ? b : a), 'ok');

/** Rows of one module against the kernels: every import, with the kernel's CRC and the verdict's problems. */
export function moduleRows(module: ModuleReport, kernels: Kernel[]): TableRow[] {
	const problemsBy = module.results.map(result => bySymbol(result.problems));
	const warningsBy = module.results.map(result => bySymbol(result.warnings));
	const firstFailures = new Set(module.results.map(result => result.first_failure?.symbol));
	return module.imports.map((entry, order) => {
		const notes = new Set<string>();
		const cells = kernels.map((kernel, index): Cell => {
			const found = kernel.exports.get(entry.name);
			const problems = problemsBy[index]?.get(entry.name) ?? [];
			const warnings = warningsBy[index]?.get(entry.name) ?? [];
			for (const item of [...problems, ...warnings]) {
				notes.add(item.kind);
			}

			const crc = found ? kernelCrc(found) : 'missing';
			if (problems.length > 0) {
				return {state: 'bad', text: crc};
			}

			if (warnings.some(w => w.kind === 'unresolved')) {
				return {state: 'unknown', text: 'not listed'};
			}

			if (warnings.length > 0) {
				return {state: 'warn', text: crc};
			}

			return {state: 'ok', text: found ? crc : 'weak'};
		});
		const exporter = kernels.map(kernel => kernel.exports.get(entry.name)?.module).find(Boolean) ?? '';
		const label = entry.demangled ?? entry.name;
		return {
			name: entry.name,
			label,
			key: searchKey(entry.name, label),
			status: worst(cells.map(cell => cell.state)),
			order,
			priority: firstFailures.has(entry.name) ? 0 : 1,
			moduleCrc: entry.crc,
			cells,
			exporter,
			note: [...notes].join(','),
		};
	});
}

function bySymbol<T extends Problem | Warning>(items: T[]): Map<string, T[]> {
	return groupBy(items, item => item.symbol ?? undefined);
}

const kernelCrc = (found: KernelExport) => (found.crc === undefined ? '(no CRC)' : formatCrc(found.crc));

/** Search finds a Rust symbol by its demangled name and by its mangled one. */
const searchKey = (name: string, label: string) => (label === name ? name : `${label}\n${name}`).toLowerCase();

const changeNames: Record<string, string> = {added: 'added', removed: 'removed', rehashed: 'rehash', crc: 'crc', export_type: 'type', namespace: 'ns', module: 'moved', undecided: 'undecided', same: ''};

/**
Rows of the kernel-vs-kernel view: each export against the first kernel. `listsModules`: per
kernel, whether it lists its modules' exports; where one does not, a missing name is `?`.
*/
export function diffTableRows(rows: ExportDiffRow[], listsModules: boolean[] = [], decisions?: ReadonlyArray<RuleDecision | undefined>): TableRow[] {
	const unknown = (index: number) => listsModules[index] === false;
	return rows.map((row, order) => {
		const [base] = row.exports;
		const cells = row.exports.map((entry, index): Cell => {
			const text = entry ? crcText(entry) : (unknown(index) ? '?' : '—');
			if (index === 0) {
				return {state: entry ? 'ok' : (unknown(0) ? 'unknown' : 'none'), text};
			}

			if (!entry) {
				return {state: base ? (unknown(index) ? 'unknown' : 'removed') : 'none', text};
			}

			if (!base) {
				return {state: unknown(0) ? 'unknown' : 'added', text};
			}

			if (entry.crc !== base.crc) {
				return {state: 'bad', text};
			}

			if (row.names && row.names[index] !== row.names[0]) {
				return {state: 'warn', text};
			}

			return {state: entry.exportType !== base.exportType || entry.namespace !== base.namespace || entry.module !== base.module ? 'warn' : 'ok', text};
		});
		const change = row.change;
		const status: CellState = change.includes('crc') ? 'bad' : change.includes('removed') ? 'removed' : change.includes('added') ? 'added' : change.includes('same') ? 'ok' : (change.length === 1 && change[0] === 'undecided' ? 'unknown' : 'warn');
		const exporter = [...row.exports].reverse().find(Boolean)?.module ?? '';
		const note = change.map(c => changeNames[c] ?? c).filter(Boolean).join(',');
		const decision = decisions?.[order];
		const label = row.demangled ?? row.name;
		return {name: row.name, label, ...(row.names && {names: row.names}), key: searchKey(row.name, label), status, order, priority: 1, moduleCrc: undefined, cells, exporter, note: decision ? `${decision.tolerated ? '✓' : '✗'} ${note}` : note, ...(decision && {decision})};
	});
}
