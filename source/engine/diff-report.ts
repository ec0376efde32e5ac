import type {Grouping, TypeDiff} from '../typediff/group-causes.js';
import type {KabiRules, RuleDecision} from '../kabi/rules.js';
import {diffSummary, type ExportDiffRow} from '../kernel/diff-kernels.js';
import {exportCrcText, type Kernel} from '../kernel/kernel.js';
import {undecidedStatus} from './fail-on.js';

export const diffSchema = 'kmodx.diff/1';

/** A kernel diff with what was asked on top of it: the rules' decision per row, the changes grouped by cause. */
export type KernelDiff = {
	kernels: Kernel[];
	rows: ExportDiffRow[];
	/** With --rules: the rules and, per row (same order), its decision; undefined where nothing is judged. */
	judged?: {rules: KabiRules; decisions: Array<RuleDecision | undefined>};
	/** With type information for the first and the last kernel: the CRC changes under their causes. */
	grouping?: Grouping;
};

/** Rows with a change that was decided (not only `undecided`). */
const decided = (row: ExportDiffRow) => row.change.some(change => change !== 'same' && change !== 'undecided');

/** The rows that changed (decided or not), each with its index in `rows` (for its decision). */
export function changedIndexes(rows: ExportDiffRow[], onlyDecided: boolean): number[] {
	const indexes: number[] = [];
	for (const [index, row] of rows.entries()) {
		if (onlyDecided ? decided(row) : !row.change.includes('same')) {
			indexes.push(index);
		}
	}

	return indexes;
}

/** How many decided changes the rules tolerate and how many they do not. */
export function ruleTally(diff: KernelDiff): {tolerated: number; notTolerated: number} | undefined {
	if (!diff.judged) {
		return undefined;
	}

	let tolerated = 0;
	let notTolerated = 0;
	for (const decision of diff.judged.decisions) {
		if (decision) {
			tolerated += decision.tolerated ? 1 : 0;
			notTolerated += decision.tolerated ? 0 : 1;
		}
	}

	return {tolerated, notTolerated};
}

function rulesDescription(rules: KabiRules) {
	return rules.kind === 'stablelist'
		? {file: rules.file, kind: rules.kind, name: rules.name, symbols: rules.symbols.size}
		: {file: rules.file, kind: rules.kind, rules: rules.rules.length};
}

const typeChangeJson = (change: TypeDiff) => ({kind: change.kind, added: change.added, removed: change.removed, changed: change.changed});

export function groupingJson(grouping: Grouping) {
	return {
		method: grouping.method,
		// From BTF an export reaches every type of the kernel's graph behind it, more than genksyms hashed.
		approximate: grouping.method === 'btf',
		// No modversions: exports grouped by type changes alone, with no CRC to confirm them.
		crcs_compared: !grouping.withoutCrcs,
		groups: grouping.groups.map(group => ({type: group.type, change: typeChangeJson(group.change), exports: group.exports})),
		unexplained: grouping.unexplained,
		not_described: grouping.notDescribed,
	};
}

/** `kmodx -k A -k B --json` (and the explorer's JSON export in kernel-vs-kernel mode). */
export function buildDiffReport(diff: KernelDiff) {
	const {kernels, rows, judged} = diff;
	const tally = ruleTally(diff);
	return {
		schema: diffSchema,
		kernels: kernels.map(kernel => ({label: kernel.label, source: kernel.source, release: kernel.release ?? null, modversions: kernel.modversions ?? null, exports: kernel.exports.size, modules_included: kernel.modulesIncluded})),
		summary: {...diffSummary(rows), ...(tally && {tolerated: tally.tolerated, not_tolerated: tally.notTolerated})},
		...(judged && {rules: rulesDescription(judged.rules)}),
		changes: changedIndexes(rows, false).map(index => {
			const row = rows[index]!;
			const decision = judged?.decisions[index];
			const names = row.names;
			return {
				name: row.name,
				...(row.demangled !== undefined && {demangled: row.demangled}),
				change: row.change,
				kernels: row.exports.map((entry, kernel) => entry && {...(names && {name: names[kernel]}), crc: exportCrcText(entry), module: entry.module, export_type: entry.exportType, namespace: entry.namespace}),
				...(judged && {tolerated: decision?.tolerated ?? null, rule: decision?.rule ?? null}),
			};
		}),
		...(diff.grouping && {causes: groupingJson(diff.grouping)}),
	};
}

/**
Exit status of a kernel diff: 1 when something changed (with --rules: something the rules do not
tolerate), else 3 when something is undecided, else 0.
*/
export function diffStatus(diff: KernelDiff): number {
	const tally = ruleTally(diff);
	if (tally ? tally.notTolerated > 0 : diff.rows.some(row => decided(row))) {
		return 1;
	}

	return diff.rows.some(row => row.change.includes('undecided')) ? undecidedStatus : 0;
}
