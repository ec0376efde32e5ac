import {formatCrc} from '../../common/hex.js';
import {terminalSafe} from '../../common/terminal-text.js';
import {cellWidth} from '../../common/text-cells.js';
import type {KernelExport} from '../../kernel/kernel.js';
import type {ExplainResult, Explanation} from '../../typediff/explanation.js';
import {explanationLines} from '../../views/explanation-lines.js';
import {crcText, decisionText, typeChangeText} from '../../views/format-diff.js';
import {exportTypeText, rehashedHint, verdictSummary} from '../../verdict/verdict-text.js';
import type {ModuleReport} from '../../engine/check-report.js';
import {stateTone, wrap, wrapLine, type Line, type Tone} from '../theme.js';
import type {ExplorerData} from './data.js';
import {marks, type TableRow} from './rows.js';
import {appendAll, maxOf} from '../../common/arrays.js';

/** State of one asynchronous explanation, keyed by `explainKey()`; `since` is when it was asked for. */
export type ExplanationState =
	| {status: 'loading'; message: string; since: number}
	| {status: 'done'; result: ExplainResult}
	| {status: 'error'; message: string};
export const explainKey = (symbol: string, from: string, to: string) => `${symbol}\u0000${from}\u0000${to}`;

/** Kernel pairs worth explaining for a row: from a kernel that agrees with the module (or the first kernel) to each that differs. */
export function explainPairs(data: ExplorerData, row: TableRow): Array<[from: string, to: string]> {
	const labels = data.kernels.map(kernel => kernel.label);
	const crcs = data.kernels.map((kernel, index) => kernel.exports.get(nameIn(row, index))?.crc);
	let fromIndex = 0;
	if (data.mode === 'check') {
		const matching = row.moduleCrc ? crcs.findIndex(crc => crc !== undefined && formatCrc(crc) === row.moduleCrc) : -1;
		if (matching === -1) {
			return [];
		}

		fromIndex = matching;
	}

	const base = crcs[fromIndex];
	const pairs: Array<[string, string]> = [];
	const seen = new Set<number | undefined>();
	for (const [index, crc] of crcs.entries()) {
		if (index !== fromIndex && base !== undefined && crc !== undefined && crc !== base && !seen.has(crc)) {
			seen.add(crc);
			pairs.push([labels[fromIndex]!, labels[index]!]);
		}
	}

	return pairs;
}

const text = (value: string, tone?: Tone): Line => [{text: value, tone}];

/** The row's symbol as kernel `index` names it (a Rust function under another crate hash there). */
const nameIn = (row: TableRow, index: number) => row.names?.[index] ?? row.name;
const blank: Line = [];

function exportFacts(found: KernelExport): string {
	const type = exportTypeText(found.exportType);
	return `${type} · ${found.namespace ? `namespace ${found.namespace}` : 'no namespace'}`;
}

/**
The symbol detail as plain lines, wrapped to `width`: the view shows a window of them, so a
long detail scrolls instead of overflowing the terminal.
*/
/** Why there is no CRC change to explain: the symbol is not in every kernel, or its CRC is the same in each. */
function noExplanationText(data: ExplorerData, row: TableRow): string {
	if (data.mode === 'check' && row.status === 'bad' && row.note.split(',').includes('crc')) {
		return 'the module\'s CRC matches none of the given kernels: give the kernel it was built against to compare types';
	}

	const having = data.kernels.filter((kernel, index) => kernel.exports.get(nameIn(row, index)) !== undefined).map(kernel => kernel.label);
	const lacking = data.kernels.filter((kernel, index) => kernel.exports.get(nameIn(row, index)) === undefined).map(kernel => kernel.label);
	if (lacking.length > 0 && having.length > 0) {
		const has = `${having.join(', ')} ${having.length === 1 ? 'has' : 'have'} it`;
		return data.mode === 'diff' && data.kernels[0]!.exports.get(nameIn(row, 0)) === undefined
			? `no CRC change to explain: ${row.label} is new in ${having.join(', ')} (${lacking.join(', ')} does not export it)`
			: `no CRC change to explain: ${row.label} is not exported by ${lacking.join(', ')} (only ${has})`;
	}

	if (having.length === 0) {
		return `no CRC to explain: no given kernel exports ${row.label}`;
	}

	return 'nothing to explain: the CRC is the same in every kernel';
}

export function symbolDetailLines(data: ExplorerData, moduleIndex: number, row: TableRow, explanations: ReadonlyMap<string, ExplanationState>, width: number, now = performance.now()): Line[] {
	const lines: Line[] = [];
	const push = (value: string, tone?: Tone, indent = '') => {
		for (const part of wrap(value, width, indent)) {
			lines.push(text(part, tone));
		}
	};

	const module = data.mode === 'check' ? data.report.modules[moduleIndex] : undefined;
	lines.push([{text: `${marks[row.status]} `, tone: stateTone[row.status]}, {text: row.label, tone: 'bold'}, {text: row.note ? `  ${row.note}` : '', tone: 'dim'}]);
	if (row.label !== row.name) {
		// A Rust symbol: the demangled name above, what the files hold here.
		push(row.names ? 'Rust symbol, its name in each kernel below (the crate hash of the build differs: the same function)' : `Rust symbol ${row.name}`, 'dim');
	}

	if (module) {
		push(row.moduleCrc ? `CRC in ${module.name} (__versions): ${row.moduleCrc}` : `${module.name} has no CRC for it in __versions`, 'plain');
	}

	lines.push(blank, text('CRC in each kernel', 'accent'));
	// In cells, escaped: as the line is drawn.
	const cells = (label: string) => cellWidth(terminalSafe(label));
	const labelWidth = maxOf(data.kernels, kernel => cells(kernel.label));
	for (const [index, kernel] of data.kernels.entries()) {
		const cell = row.cells[index]!;
		const found = kernel.exports.get(nameIn(row, index));
		const where = found ? found.module : kernel.modulesIncluded ? 'not exported' : 'not in vmlinux; modules not listed';
		lines.push([{text: `${marks[cell.state]} `, tone: stateTone[cell.state]}, {text: `${kernel.label}${' '.repeat(labelWidth - cells(kernel.label))}  `, tone: 'bold'}, {text: `${found ? crcText(found) : '—'}  `, tone: stateTone[cell.state]}, {text: where}]);
		if (found && row.names) {
			push(`${' '.repeat(labelWidth + 4)}${found.name}`, 'dim');
		}

		if (found) {
			push(`${' '.repeat(labelWidth + 4)}${exportFacts(found)}`, 'dim');
		}
	}

	if (module) {
		dmesgLines(lines, push, module, row.name);
	}

	lines.push(blank, text('Why the CRC changed', 'accent'));
	const pairs = explainPairs(data, row);
	if (pairs.length === 0) {
		push(noExplanationText(data, row), 'dim');
	}

	for (const [from, to] of pairs) {
		const state = explanations.get(explainKey(row.name, from, to));
		if (!state) {
			push(`… ${from} → ${to}: not asked yet`, 'dim');
		} else if (state.status === 'loading') {
			push(`… ${from} → ${to}: ${state.message} (${Math.floor(Math.max(0, now - state.since) / 1000)} s)`, 'dim', '  ');
		} else if (state.status === 'error') {
			push(`? ${from} → ${to}: ${state.message}`, 'unknown', '  ');
		} else if ('unavailable' in state.result) {
			push(`? ${from} → ${to}: cannot explain: ${state.result.unavailable}`, 'unknown', '  ');
		} else {
			appendAll(lines, explanationDetailLines(state.result.explanation, width));
		}
	}

	appendAll(lines, kabiLines(data, row, width));
	return lines;
}

/** An explanation as `kmodx why` prints it: its view lines, each wrapped to `width` (continuations two cells further in). */
export function explanationDetailLines(explanation: Explanation, width: number): Line[] {
	return explanationLines(explanation).flatMap(line => (line.role === 'gap' ? [blank] : wrapLine(line.segments, width, line.indent)));
}

/** The kernel detail: where it came from, the module's verdict on it with everything behind the first failure, and its ABI group. */
type Push = (value: string, tone?: Tone, indent?: string) => void;

/** Check mode: what each kernel's log says about the symbol, where it says anything. */
function dmesgLines(lines: Line[], push: Push, module: ModuleReport, symbol: string): void {
	lines.push(blank, text('Kernel log (dmesg)', 'accent'));
	let any = false;
	for (const result of module.results) {
		const problems = result.problems.filter(problem => problem.symbol === symbol);
		const warnings = result.warnings.filter(warning => warning.symbol === symbol);
		for (const item of [...problems, ...warnings]) {
			any = true;
			const tone: Tone = 'log' in item && problems.includes(item as never) ? 'bad' : 'warn';
			lines.push([{text: `${tone === 'bad' ? marks.bad : marks.warn} `, tone}, {text: result.kernel, tone: 'bold'}]);
			for (const log of item.log) {
				push(`  ${log}`, 'plain', '    ');
			}

			if (item.log.length === 0) {
				push(`  ${item.message}`, 'dim', '    ');
			}

			if ('rehashed_as' in item && item.rehashed_as) {
				push(`  ${rehashedHint(item.rehashed_as)}`, 'dim', '    ');
			}

			const first = result.first_failure;
			if (first && first !== item && (result.stops_at === 'module_layout' || result.stops_at === 'vermagic' || result.stops_at === 'exports' || result.stops_at === 'arch')) {
				push(`  (${result.kernel} stops earlier, at ${result.stops_at}: this line shows once that is fixed)`, 'dim', '   ');
			}
		}
	}

	if (!any) {
		push('nothing: this symbol resolves on every kernel', 'dim');
	}
}

/** Kernel diff: the rules' decision (--rules) and the changed types the export reaches (grouped by cause). */
function kabiLines(data: ExplorerData, row: TableRow, width: number): Line[] {
	const lines: Line[] = [];
	const push = (value: string, tone: Tone) => {
		for (const part of wrap(value, width, '  ')) {
			lines.push(text(part, tone));
		}
	};

	if (row.decision) {
		lines.push(blank, text('kABI rules', 'accent'));
		push(decisionText(row.decision), row.decision.tolerated ? 'good' : 'bad');
	}

	const grouping = data.mode === 'diff' ? data.kernelDiff.grouping : undefined;
	const causes = grouping?.groups.filter(group => group.exports.includes(row.name)) ?? [];
	if (grouping && causes.length > 0) {
		lines.push(blank, text(`Changed types it reaches (${grouping.method === 'btf' ? 'BTF, approximate' : 'symtypes, exact'})`, 'accent'));
		for (const group of causes) {
			push(`${group.type}: ${typeChangeText(group.change)} (${group.exports.length} exports)`, 'plain');
		}
	}

	return lines;
}

export function kernelDetailLines(data: ExplorerData, moduleIndex: number, kernelIndex: number, width: number): Line[] {
	const kernel = data.kernels[kernelIndex];
	if (!kernel) {
		return [];
	}

	const lines: Line[] = [];
	const push: Push = (value, tone, indent = '      ') => {
		for (const part of wrap(value, width, indent)) {
			lines.push(text(part, tone));
		}
	};

	lines.push([{text: 'Kernel ', tone: 'dim'}, {text: kernel.label, tone: 'bold'}]);
	push(`source    ${kernel.source} (${kernel.kind})`, undefined, '          ');
	for (const file of kernel.files.filter(file => file !== kernel.source)) {
		push(`read      ${file}`, 'dim', '          ');
	}

	push(`release   ${kernel.release ?? 'unknown (a Module.symvers does not say; give the headers dir or image)'}`, undefined, '          ');
	push(`vermagic  ${kernel.vermagic ?? 'unknown (give its config, headers directory or image)'}`, undefined, '          ');
	push(`exports   ${kernel.exports.size.toLocaleString('en-US')}${kernel.modulesIncluded ? '' : ' (vmlinux only: exports of modules are not listed)'}`, undefined, '          ');
	if (kernel.typeSources.length > 0) {
		push(`types     ${kernel.typeSources.map(source => `${source.kind} ${source.path}`).join(', ')}`, 'dim', '          ');
	}

	if (data.mode === 'check') {
		const module = data.report.modules[moduleIndex];
		const result = module?.results[kernelIndex];
		if (module && result) {
			moduleOnKernelLines(lines, push, module, result, kernel.label);
		}
	} else if (kernelIndex === 0) {
		push('the base kernel: the others are compared with it', 'dim', '  ');
	} else {
		lines.push(blank, text(`compared with ${data.kernels[0]!.label}`, 'accent'), changeCountsLine(data.tables[0] ?? [], kernelIndex));
	}

	return lines;
}

/** The module's verdict on one kernel: what dmesg shows, what is behind it, warnings, its ABI group. */
function moduleOnKernelLines(lines: Line[], push: Push, module: ModuleReport, result: ModuleReport['results'][number], label: string): void {
	const tone: Tone = result.verdict === 'loads' ? 'good' : (result.verdict === 'fails' ? 'bad' : 'unknown');
	lines.push(blank, [{text: `${result.verdict === 'loads' ? marks.ok : (result.verdict === 'fails' ? marks.bad : marks.unknown)} `, tone}, {text: `${module.name}: `, tone: 'bold'}, {text: verdictSummary(result), tone}]);
	if (result.first_failure) {
		lines.push(text('dmesg shows', 'accent'));
		for (const log of result.first_failure.log) {
			push(`  ${log}`, 'plain', '    ');
		}

		if (result.first_failure.log.length === 0) {
			push(`  ${result.first_failure.message}`, 'plain', '    ');
		}
	}

	const behind = result.problems.slice(result.first_failure ? 1 : 0);
	if (behind.length > 0) {
		lines.push(text(result.stops_at === 'symbols' ? `also (${behind.length})` : `behind it (${behind.length})`, 'accent'));
		for (const problem of behind) {
			const crcs = problem.module_crc || problem.kernel_crc ? `${problem.module_crc ?? '—'} → ${problem.kernel_crc ?? '—'}` : problem.message;
			push(`${marks.bad} ${problem.kind.padEnd(9)} ${problem.symbol ?? ''}  ${crcs}`, 'bad', '    ');
		}
	}

	if (result.warnings.length > 0) {
		lines.push(text('warnings', 'accent'));
		for (const warning of result.warnings) {
			push(`${warning.kind === 'unresolved' ? marks.unknown : marks.warn} ${warning.message}`, warning.kind === 'unresolved' ? 'unknown' : 'warn', '  ');
		}
	}

	if ((result.advice ?? []).length > 0) {
		lines.push(blank, text('what to do', 'accent'));
		for (const advice of result.advice!) {
			push(`→ ${advice.text}${advice.symbols ? `: ${advice.symbols.join(', ')}` : ''}`, 'plain', '    ');
			if (advice.command) {
				push(`    $ ${advice.command}`, 'bold', '      ');
			}
		}
	}

	lines.push(blank, text('ABI group', 'accent'));
	const group = module.groups.find(labels => labels.includes(label)) ?? [label];
	const others = group.filter(other => other !== label);
	push(others.length === 0 ? `alone: no other given kernel shares its CRCs for ${module.name}` : `same ABI as ${others.join(', ')}: one build of ${module.name} serves them all`, 'plain', '  ');
}

/** Kernel diff: how many exports each kind of change touched on this kernel. */
function changeCountsLine(rows: readonly TableRow[], kernelIndex: number): Line {
	const counts = {added: 0, removed: 0, bad: 0, warn: 0};
	for (const row of rows) {
		const state = row.cells[kernelIndex]?.state;
		if (state === 'added' || state === 'removed' || state === 'bad' || state === 'warn') {
			counts[state]++;
		}
	}

	return [{text: `${marks.added} ${counts.added} added   `, tone: 'added'}, {text: `${marks.removed} ${counts.removed} removed   `, tone: 'removed'}, {text: `${marks.bad} ${counts.bad} CRC changed   `, tone: 'bad'}, {text: `${marks.warn} ${counts.warn} type/namespace/module changed`, tone: 'warn'}];
}

/** One-line verdict for the kernel strip. */
export function kernelStripText(data: ExplorerData, moduleIndex: number, kernelIndex: number): {state: 'ok' | 'bad' | 'warn' | 'none'; text: string} {
	const kernel = data.kernels[kernelIndex]!;
	if (data.mode === 'check') {
		const result = (data.report.modules[moduleIndex] as ModuleReport | undefined)?.results[kernelIndex];
		if (!result) {
			return {state: 'none', text: ''};
		}

		return {state: result.verdict === 'loads' ? 'ok' : (result.verdict === 'undecided' ? 'warn' : 'bad'), text: verdictSummary(result)};
	}

	if (kernelIndex === 0) {
		return {state: 'none', text: `base · ${kernel.exports.size.toLocaleString('en-US')} exports · ${kernel.source}`};
	}

	let added = 0;
	let removed = 0;
	let changed = 0;
	for (const row of data.tables[0] ?? []) {
		const state = row.cells[kernelIndex]?.state;
		if (state === 'added') {
			added++;
		} else if (state === 'removed') {
			removed++;
		} else if (state === 'bad') {
			changed++;
		}
	}

	return {state: changed + added + removed > 0 ? 'bad' : 'ok', text: `${kernel.exports.size.toLocaleString('en-US')} exports · +${added} −${removed} · ${changed.toLocaleString('en-US')} CRC changed · ${kernel.source}`};
}
