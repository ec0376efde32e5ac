import {markdownCode, markdownText} from '../common/markdown-text.js';
import {terminalSafe} from '../common/terminal-text.js';
import {cellWidth, padCells} from '../common/text-cells.js';
import type {CauseGroup, Grouping, TypeDiff} from '../typediff/group-causes.js';
import type {RuleDecision} from '../kabi/rules.js';
import {diffSummary, type ExportDiffRow} from '../kernel/diff-kernels.js';
import {exportCrcText, type Kernel, type KernelExport} from '../kernel/kernel.js';
import {crcCauses, diffSections, type CauseSection, type DiffSectionKind} from './diff-sections.js';
import {changedIndexes, ruleTally, type KernelDiff} from '../engine/diff-report.js';
import {appendAll} from '../common/arrays.js';

/* The kernel diff (`kmodx -k A -k B`, kmodx.diff/1) drawn as text and Markdown. */

/** An export's CRC as the diff shows it, `—` where a kernel lacks the export. */
export const crcText = (entry: KernelExport | null) => (entry ? exportCrcText(entry) : '—');

/**
Kernels without symbol versions (CONFIG_MODVERSIONS off): no CRC exists to compare, so "the same"
means only that the export, its type and namespace are unchanged; a module still loads only on
the release it was built for.
*/
export function unversionedNote(kernels: Kernel[]): string | undefined {
	const without = kernels.filter(kernel => kernel.modversions === false);
	if (without.length === 0) {
		return undefined;
	}

	const who = without.length === kernels.length
		? (kernels.length === 2 ? 'Neither kernel has' : 'No kernel here has')
		: `${without.map(kernel => terminalSafe(kernel.label)).join(', ')} ${without.length === 1 ? 'has' : 'have'} no`;
	return `${who} symbol versions (CONFIG_MODVERSIONS off): CRCs are not compared ("the same" means the export, its type and namespace are unchanged), and a module loads only on the exact release it was built for`;
}

/** Why rows are undecided, once: which kernels list only vmlinux's exports, and what to give instead. */
function undecidedNote(kernels: Kernel[], count: number): string | undefined {
	const partial = kernels.filter(kernel => !kernel.modulesIncluded);
	if (count === 0 || partial.length === 0) {
		return undefined;
	}

	const names = partial.map(kernel => `${terminalSafe(kernel.label)} (${kernel.kind})`).join(', ');
	return `? ${count} export${count === 1 ? ' is' : 's are'} undecided: ${names} ${partial.length === 1 ? 'lists' : 'list'} only vmlinux's exports, so a name missing there may be a module's; give ${partial.length === 1 ? 'its' : 'their'} Module.symvers, headers directory or /lib/modules/${partial.length === 1 && partial[0]!.release ? terminalSafe(partial[0]!.release) : '<release>'} to decide`;
}

/** Rows whose Rust name changed only by the build's crate hash: their own section, not the list of changes. */
const isRehashed = (row: ExportDiffRow) => row.change.includes('rehashed');

/** The name for people: demangled for a Rust symbol. */
const shownName = (row: ExportDiffRow) => row.demangled ?? row.name;

/** What the rehashed section says once, above its rows. */
function rehashedHeading(count: number): string {
	return `Same function, new build hash: ${plural(count, 'Rust export')} whose name changed only by the crate hash (a Rust module built against one build finds none of them on the other: build it against the exact kernel build)`;
}

const plural = (count: number, one: string, many = `${one}s`) => `${count.toLocaleString('en-US')} ${count === 1 ? one : many}`;

/** One line per rules outcome: "✗ not tolerated (rules:3: vmlinux FAIL)". */
export function decisionText(decision: RuleDecision): string {
	return `${decision.tolerated ? '✓ tolerated' : '✗ not tolerated'} (${decision.rule})`;
}

function rulesSummary(diff: KernelDiff): string | undefined {
	const tally = ruleTally(diff);
	if (!tally || !diff.judged) {
		return undefined;
	}

	return `rules ${diff.judged.rules.file}: ${plural(tally.notTolerated, 'change')} not tolerated, ${tally.tolerated.toLocaleString('en-US')} tolerated`;
}

/** What a type change is, in one line: "+ user_dumpable, + kstack_offset, ~ flags". */
export function typeChangeText(change: TypeDiff): string {
	if (change.kind === 'became_defined' || change.kind === 'became_opaque') {
		return change.kind === 'became_defined' ? 'became defined (was opaque)' : 'became opaque (was defined)';
	}

	// A type one kernel alone reaches: its whole definition entered (or left) the CRC.
	const side = change.kind === 'added' ? 'added (reached in the new kernel only)' : change.kind === 'removed' ? 'removed (reached in the old kernel only)' : '';
	const items = [...change.added.map(item => `+ ${item.name}`), ...change.removed.map(item => `- ${item.name}`), ...change.changed.map(item => `~ ${item.name}`)];
	if (side) {
		return items.length === 0 ? side : `${side}: ${items.join(', ')}`;
	}

	return items.length === 0 ? 'changed' : items.join(', ');
}

export function groupingHeading(grouping: Grouping): string {
	if (grouping.withoutCrcs) {
		return `Type changes of the exports both kernels have, by cause, from ${grouping.method === 'btf' ? 'BTF (an over-approximation: every changed type an export reaches in the kernel\'s type graph)' : 'symtypes'} — no CRCs exist to confirm them (no modversions)`;
	}

	return grouping.method === 'btf'
		? 'CRC changes by cause, from BTF (an over-approximation: every changed type an export reaches in the kernel\'s type graph, also types its file never expanded)'
		: 'CRC changes by cause, from symtypes (exact: the changed definitions each export reaches in its own file)';
}

function groupLines(group: CauseGroup, shown: number): string[] {
	const names = group.exports.slice(0, shown).join(', ');
	const more = group.exports.length > shown ? `, … (${(group.exports.length - shown).toLocaleString('en-US')} more)` : '';
	return [`  ${plural(group.exports.length, 'export').padStart(14)}  ${group.type}: ${typeChangeText(group.change)}`, `                  ${names}${more}`];
}

function groupingText(grouping: Grouping): string[] {
	const lines = ['', `${groupingHeading(grouping)}:`];
	for (const group of grouping.groups) {
		appendAll(lines, groupLines(group, 8));
	}

	if (grouping.unexplained.length > 0) {
		lines.push(`  ${plural(grouping.unexplained.length, 'export')} reach no changed type the ${grouping.method === 'btf' ? 'BTF' : 'symtypes'} shows: ${grouping.unexplained.slice(0, 8).join(', ')}${grouping.unexplained.length > 8 ? ', …' : ''}`);
	}

	if (grouping.notDescribed.length > 0) {
		lines.push(`  ${plural(grouping.notDescribed.length, 'export')} the type information does not describe (${grouping.method === 'btf' ? 'variables and modules\' exports BTF of vmlinux lacks' : 'no file of the tree defines them'}): ${grouping.notDescribed.slice(0, 8).join(', ')}${grouping.notDescribed.length > 8 ? ', …' : ''}`);
	}

	return lines;
}

/** "A", or "A → B" where the kernels differ (one value per kernel that has the export). */
function across(values: Array<string | undefined>): string {
	const present = values.filter(value => value !== undefined);
	return new Set(present).size <= 1 ? present[0] ?? '—' : present.join(' → ');
}

const exporterOf = (row: ExportDiffRow) => across(row.exports.map(entry => entry?.module));
const typeOf = (row: ExportDiffRow) => across(row.exports.map(entry => entry?.exportType));
const namespaceOf = (row: ExportDiffRow) => {
	const namespaces = row.exports.map(entry => (entry ? entry.namespace || '—' : undefined));
	return namespaces.every(namespace => namespace === undefined || namespace === '—') ? '' : across(namespaces);
};

/** Type and namespace columns say something in these sections only (a CRC change keeps both). */
const showsTypes = (kind: DiffSectionKind) => kind !== 'crc';

/** One section's rows as cells, for the text: name, CRCs, exporter, [type, namespace], [rules], [mangled name]. */
function textCells(diff: KernelDiff, kind: DiffSectionKind, index: number): string[] {
	const row = diff.rows[index]!;
	const decision = diff.judged?.decisions[index];
	return [
		shownName(row),
		row.exports.map(entry => crcText(entry)).join(' → '),
		exporterOf(row),
		...(showsTypes(kind) ? [typeOf(row), namespaceOf(row)] : []),
		decision ? decisionText(decision) : '',
		row.demangled === undefined ? '' : `(${row.name})`,
	].map(cell => terminalSafe(cell));
}

/** The widest the name column is padded to, in cells: a longer name pushes its line's other columns right. */
const nameColumn = 60;

/** Rows of cells aligned in columns (widths measured in terminal cells), two spaces apart, trailing blanks dropped. */
function alignColumns(table: string[][], indent: string): string[] {
	const widths: number[] = [];
	for (const cells of table) {
		for (const [column, cell] of cells.entries()) {
			widths[column] = Math.max(widths[column] ?? 0, Math.min(cellWidth(cell), column === 0 ? nameColumn : Number.POSITIVE_INFINITY));
		}
	}

	return table.map(cells => {
		const last = cells.findLastIndex(cell => cell !== '');
		return indent + cells.slice(0, last + 1).map((cell, column) => (column === last ? cell : padCells(cell, widths[column]!))).join('  ');
	});
}

const count = (value: number) => value.toLocaleString('en-US');

/**
The causes a set of rows shares: each change when they are few; else the types, or, when the set
is the first (largest) block's give or take a few (BTF's sets of 45 types differ by one or two),
that difference. The overview above says each type's change.
*/
function causeTitle(cause: CauseSection, first: CauseSection): string {
	const exports = plural(cause.rows.length, 'export');
	if (cause.groups.length <= 3) {
		return `${exports} changed by ${cause.groups.map(group => `${group.type} (${typeChangeText(group.change)})`).join(', ')}`;
	}

	const types = cause.groups.map(group => group.type);
	if (cause !== first && first.groups.length > 3) {
		const base = new Set(first.groups.map(group => group.type));
		const added = types.filter(type => !base.has(type));
		const removed = [...base].filter(type => !types.includes(type));
		if (added.length + removed.length <= 6) {
			return `${exports} changed by the ${base.size} types of the first block${[...added.map(type => `, + ${type}`), ...removed.map(type => `, − ${type}`)].join('')}`;
		}
	}

	return `${exports} changed by ${types.length} types: ${types.slice(0, 6).join(', ')}${types.length > 6 ? `, and ${types.length - 6} more` : ''}`;
}

/** Every changed type, with its change and how many exports reach it: what the blocks below refer to. */
function causeOverview(grouping: Grouping): string[] {
	return grouping.groups.map(group => `${plural(group.exports.length, 'export').padStart(14)}  ${group.type}: ${typeChangeText(group.change)}`);
}

function groupingNames(grouping: Grouping) {
	const kind = grouping.method === 'btf' ? 'BTF' : 'symtypes';
	return {
		unexplained: `reach no changed type the ${kind} shows`,
		notDescribed: `the type information does not describe (${grouping.method === 'btf' ? 'variables and modules\' exports BTF of vmlinux lacks' : 'no file of the tree defines them'})`,
		rest: 'not grouped',
	};
}

// eslint-disable-next-line max-lines-per-function -- the report's sections in the order a reader meets them; formatDiffText is its twin.
export function formatDiffMarkdown(diff: KernelDiff): string {
	const {kernels, rows, judged} = diff;
	const changed = changedIndexes(rows, true);
	const summary = diffSummary(rows);
	const labels = kernels.map(kernel => markdownText(kernel.label));
	const ofThem = summary.rehashed > 0 ? ` (${summary.rehashed} of them the same Rust function under a new build hash)` : '';
	const out = [`# kmodx kernel diff: ${labels.join(' → ')}`, '', `**${changed.length} of ${rows.length} exports changed${ofThem}; ${summary.same} are the same.**`, ''];
	const unversioned = unversionedNote(kernels);
	if (unversioned) {
		out.push(markdownText(unversioned), '');
	}

	const rulesLine = rulesSummary(diff);
	if (rulesLine) {
		out.push(`**${markdownText(rulesLine)}.**`, '');
	}

	const table = (kind: DiffSectionKind, indexes: number[]) => {
		if (indexes.length === 0) {
			return ['None.', ''];
		}

		const types = showsTypes(kind);
		const lines = [
			`| symbol | change | ${labels.join(' | ')} | exported by |${types ? ' export type | namespace |' : ''}${judged ? ' rules |' : ''}`,
			`|---|---|${labels.map(() => '---|').join('')}---|${types ? '---|---|' : ''}${judged ? '---|' : ''}`,
		];
		for (const index of indexes) {
			const row = rows[index]!;
			const decision = judged?.decisions[index];
			// A Rust symbol: demangled, its mangled name after it.
			const symbol = row.demangled === undefined ? markdownCode(row.name) : `${markdownCode(row.demangled)} (${markdownCode(row.name)})`;
			const typeCells = types ? ` ${markdownText(typeOf(row))} | ${markdownText(namespaceOf(row))} |` : '';
			lines.push(`| ${symbol} | ${row.change.join(', ')} | ${row.exports.map(entry => crcText(entry)).join(' | ')} | ${markdownText(exporterOf(row))} |${typeCells}${judged ? ` ${decision ? markdownText(decisionText(decision)) : '—'} |` : ''}`);
		}

		lines.push('');
		return lines;
	};

	for (const section of diffSections(rows)) {
		const grouped = section.kind === 'crc' && diff.grouping && !diff.grouping.withoutCrcs ? diff.grouping : undefined;
		out.push(`## ${section.title} (${count(section.rows.length)})`, '');
		if (grouped && section.rows.length > 0) {
			out.push(`${markdownText(groupingHeading(grouped))}:`, '', '| exports | type | change |', '|---|---|---|');
			for (const group of grouped.groups) {
				out.push(`| ${count(group.exports.length)} | ${markdownCode(group.type)} | ${markdownText(typeChangeText(group.change))} |`);
			}

			out.push('');
			const {causes, unexplained, notDescribed, rest} = crcCauses(rows, section.rows, grouped);
			const names = groupingNames(grouped);
			for (const cause of causes) {
				out.push(`### ${markdownText(causeTitle(cause, causes[0]!))}`, '');
				appendAll(out, table('crc', cause.rows));
			}

			for (const [title, indexes] of [[names.unexplained, unexplained], [names.notDescribed, notDescribed], [names.rest, rest]] as const) {
				if (indexes.length > 0) {
					out.push(`### ${markdownText(`${plural(indexes.length, 'export')} ${title}`)}`, '');
					appendAll(out, table('crc', indexes));
				}
			}
		} else {
			appendAll(out, table(section.kind, section.rows));
		}
	}

	const rehashed = changed.filter(index => isRehashed(rows[index]!));
	if (rehashed.length > 0) {
		out.push(`## ${markdownText(rehashedHeading(rehashed.length))}`, '', `| function | change | ${labels.join(' | ')} | exported by |${judged ? ' rules |' : ''}`, `|---|---|${labels.map(() => '---|').join('')}---|${judged ? '---|' : ''}`);
		for (const index of rehashed) {
			const row = rows[index]!;
			const decision = judged?.decisions[index];
			const cells = row.exports.map((entry, kernel) => (entry ? `${markdownCode(row.names?.[kernel] ?? row.name)} ${crcText(entry)}` : '—'));
			out.push(`| ${markdownCode(shownName(row))} | ${row.change.join(', ')} | ${cells.join(' | ')} | ${markdownText(row.exports.find(Boolean)?.module ?? '—')} |${judged ? ` ${decision ? markdownText(decisionText(decision)) : '—'} |` : ''}`);
		}

		out.push('');
	}

	const note = undecidedNote(kernels, summary.undecided);
	if (note) {
		out.push(markdownText(note), '');
	}

	// Kernels without CRCs: the exports' type changes by cause (no CRC section to hold them).
	if (diff.grouping?.withoutCrcs) {
		out.push(`## ${groupingHeading(diff.grouping)}`, '', '| exports | type | change | which |', '|---|---|---|---|');
		for (const group of diff.grouping.groups) {
			const which = group.exports.slice(0, 20).map(name => markdownCode(name)).join(', ') + (group.exports.length > 20 ? `, … (${group.exports.length - 20} more)` : '');
			out.push(`| ${group.exports.length} | ${markdownCode(group.type)} | ${markdownText(typeChangeText(group.change))} | ${which} |`);
		}

		out.push('');
	}

	return out.join('\n');
}

export function formatDiffText(diff: KernelDiff): string {
	const {kernels, rows} = diff;
	const changed = changedIndexes(rows, true);
	const summary = diffSummary(rows);
	const rehashedCount = summary.rehashed > 0 ? `, ${summary.rehashed} rehashed (same Rust function, new build hash)` : '';
	const lines = [`${kernels.map(kernel => kernel.label).join(' → ')}: ${summary.added} added, ${summary.removed} removed${rehashedCount}, ${summary.crc} CRC changed, ${summary.export_type} export type changed, ${summary.namespace} namespace changed, ${summary.module} moved, ${summary.same} the same${summary.undecided > 0 ? `, ${summary.undecided} undecided` : ''}`];
	const unversioned = unversionedNote(kernels);
	if (unversioned) {
		lines.push(unversioned);
	}

	const rulesLine = rulesSummary(diff);
	if (rulesLine) {
		lines.push(rulesLine);
	}

	for (const section of diffSections(rows)) {
		const grouped = section.kind === 'crc' && diff.grouping && !diff.grouping.withoutCrcs ? diff.grouping : undefined;
		lines.push('', `${section.title} (${count(section.rows.length)})${section.rows.length > 0 ? ':' : ''}`);
		if (grouped && section.rows.length > 0) {
			lines.push(`  ${groupingHeading(grouped)}:`);
			appendAll(lines, causeOverview(grouped).map(line => `  ${line}`));
			const {causes, unexplained, notDescribed, rest} = crcCauses(rows, section.rows, grouped);
			const names = groupingNames(grouped);
			const blocks: Array<[title: string, indexes: number[]]> = [
				...causes.map(cause => [causeTitle(cause, causes[0]!), cause.rows] as [string, number[]]),
				[`${plural(unexplained.length, 'export')} ${names.unexplained}`, unexplained],
				[`${plural(notDescribed.length, 'export')} ${names.notDescribed}`, notDescribed],
				[`${plural(rest.length, 'export')} ${names.rest}`, rest],
			];
			// One alignment for the whole section: columns line up from one cause to the next.
			const shown = blocks.filter(([, indexes]) => indexes.length > 0);
			const aligned = alignColumns(shown.flatMap(([, indexes]) => indexes.map(index => textCells(diff, 'crc', index))), '    ');
			let at = 0;
			for (const [title, indexes] of shown) {
				lines.push('', `  ${title}:`);
				appendAll(lines, aligned.slice(at, at + indexes.length));
				at += indexes.length;
			}
		} else {
			appendAll(lines, alignColumns(section.rows.map(index => textCells(diff, section.kind, index)), '  '));
		}
	}

	const rehashed = changed.filter(index => isRehashed(rows[index]!));
	if (rehashed.length > 0) {
		lines.push('', `${rehashedHeading(rehashed.length)}:`);
		appendAll(lines, alignColumns(rehashed.map(index => {
			const row = rows[index]!;
			const decision = diff.judged?.decisions[index];
			const others = row.change.filter(change => change !== 'rehashed' && change !== 'undecided');
			return [shownName(row), (row.names ?? []).map(name => name ?? '—').join(' → '), others.length > 0 ? `${others.join(',')} ${row.exports.map(entry => crcText(entry)).join(' → ')}` : '', decision ? decisionText(decision) : ''].map(cell => terminalSafe(cell));
		}), '  '));
	}

	const note = undecidedNote(kernels, summary.undecided);
	if (note) {
		lines.push('', note);
	}

	if (diff.grouping?.withoutCrcs) {
		for (const line of groupingText(diff.grouping)) {
			lines.push(line);
		}
	}

	// Names, rules and paths came from files: each line made safe for a terminal as a whole.
	return lines.map(line => terminalSafe(line)).join('\n') + '\n';
}
