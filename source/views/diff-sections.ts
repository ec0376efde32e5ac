import type {CauseGroup, Grouping} from '../typediff/group-causes.js';
import type {ExportDiffRow} from '../kernel/diff-kernels.js';

/*
A kernel diff read from the top: what modules lose first (removed exports), then what refuses
them differently (export type, namespace, module), then the CRC changes (under their causes
when type information covers both kernels), and last what is new (added exports). Each row
appears in one section, where its most serious change puts it.
*/

export type DiffSectionKind = 'removed' | 'export_type' | 'crc' | 'added';

/** A section: its rows as indexes into the diff's rows, in name order. */
export type DiffSection = {kind: DiffSectionKind; title: string; rows: number[]};

/** CRC changes with the same causes: the exports whose CRC every one of these type changes reaches, and no other. */
export type CauseSection = {groups: CauseGroup[]; rows: number[]};

export const sectionTitles: Record<DiffSectionKind, string> = {
	removed: 'Removed exports',
	export_type: 'Export type, namespace and module changes',
	crc: 'CRC changes',
	added: 'Added exports',
};

/** Where a row goes; undefined for rows with no decided change (the same, undecided) and Rust rows renamed by a new build hash (their own section). */
function sectionOf(row: ExportDiffRow): DiffSectionKind | undefined {
	const changes = row.change;
	if (changes.includes('rehashed')) {
		return undefined;
	}

	if (changes.includes('removed')) {
		return 'removed';
	}

	if (changes.includes('export_type') || changes.includes('namespace') || changes.includes('module')) {
		return 'export_type';
	}

	if (changes.includes('crc')) {
		return 'crc';
	}

	return changes.includes('added') ? 'added' : undefined;
}

/** The four sections, in reading order, each with its rows (empty sections included: their count says 0). */
export function diffSections(rows: readonly ExportDiffRow[]): DiffSection[] {
	const sections = new Map<DiffSectionKind, number[]>([['removed', []], ['export_type', []], ['crc', []], ['added', []]]);
	for (const [index, row] of rows.entries()) {
		const kind = sectionOf(row);
		if (kind) {
			sections.get(kind)!.push(index);
		}
	}

	return [...sections].map(([kind, indexes]) => ({kind, title: sectionTitles[kind], rows: indexes}));
}

/**
The CRC section's rows under their causes: the rows that reach the same set of changed types
together (an export reaches several: each row is listed once, under all of its causes), the
largest sets of rows first; then those that reach no changed type, those the type information
does not describe, and any the grouping did not see.
*/
export function crcCauses(rows: readonly ExportDiffRow[], crcRows: number[], grouping: Grouping): {causes: CauseSection[]; unexplained: number[]; notDescribed: number[]; rest: number[]} {
	const byName = new Map(crcRows.map(index => [rows[index]!.name, index]));
	const causesOf = new Map<number, number[]>();
	for (const [group, {exports}] of grouping.groups.entries()) {
		for (const name of exports) {
			const index = byName.get(name);
			if (index !== undefined) {
				causesOf.set(index, [...(causesOf.get(index) ?? []), group]);
			}
		}
	}

	const sets = new Map<string, CauseSection>();
	for (const index of crcRows) {
		const groups = causesOf.get(index);
		if (groups) {
			const key = groups.join(',');
			const section = sets.get(key) ?? {groups: groups.map(group => grouping.groups[group]!), rows: []};
			section.rows.push(index);
			sets.set(key, section);
		}
	}

	const placed = new Set(causesOf.keys());
	const take = (names: readonly string[]) => names.map(name => byName.get(name)).filter(index => index !== undefined && !placed.has(index)).map(index => {
		placed.add(index!);
		return index!;
	}).sort((a, b) => a - b);
	const unexplained = take(grouping.unexplained);
	const notDescribed = take(grouping.notDescribed);
	const rest = crcRows.filter(index => !placed.has(index));
	return {causes: [...sets.values()].sort((a, b) => b.rows.length - a.rows.length), unexplained, notDescribed, rest};
}
