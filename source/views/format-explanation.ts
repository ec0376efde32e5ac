import {terminalSafeDeep} from '../common/terminal-text.js';
import type {Explanation, SymtypesOrigin, TypeChange} from '../typediff/explanation.js';

/** "symtypes, verified", "btf, approximate": what kind of answer this is, in a few words. */
export function methodLabel(explanation: Explanation): string {
	if (explanation.method === 'symtypes') {
		return explanation.verified ? 'symtypes, verified' : 'symtypes, NOT verified';
	}

	return 'btf, approximate';
}

/** Where a side's symtypes came from, in one phrase. */
export function originText(origin: SymtypesOrigin): string {
	switch (origin.kind) {
		case 'file': {
			return origin.path;
		}

		case 'source': {
			return `${origin.file} of ${origin.path}, preprocessed against ${origin.headers}`;
		}

		case 'headers': {
			return `${origin.file}, preprocessed against ${origin.headers}`;
		}
	}
}

function groupByType(changes: readonly TypeChange[]): Map<string, TypeChange[]> {
	const groups = new Map<string, TypeChange[]>();
	for (const change of changes) {
		const group = groups.get(change.type);
		if (group) {
			group.push(change);
		} else {
			groups.set(change.type, [change]);
		}
	}

	return groups;
}

/**
The plain-text form of an explanation (`kmodx why`): a header with both CRCs and the method,
then the changes grouped by the type that changed. A path from the symbol to the type is shown
only where it is the path genksyms took; BTF's paths may run through types genksyms never saw.
*/
export function formatExplanationText(untrusted: Explanation): string {
	const explanation = terminalSafeDeep(untrusted);
	const lines: string[] = [];
	const side = ({kernel, crc}: Explanation['from']) => (crc ? `${kernel} ${crc}` : kernel);
	lines.push(`${explanation.symbol}: ${side(explanation.from)} → ${side(explanation.to)}`);
	let method = `method: ${methodLabel(explanation)}`;
	if (explanation.recomputed) {
		method += ` (recomputed ${explanation.recomputed.from} → ${explanation.recomputed.to})`;
	}

	lines.push(method);
	if (explanation.origins) {
		lines.push(`  ${explanation.from.kernel}: ${originText(explanation.origins.from)}`, `  ${explanation.to.kernel}: ${originText(explanation.origins.to)}`);
	}

	if (!explanation.complete && explanation.incomplete) {
		lines.push(`incomplete: ${explanation.incomplete}`);
	}

	const groups = groupByType(explanation.changes);
	const noun = explanation.method === 'btf' ? 'candidate type' : 'changed type';
	lines.push(groups.size === 0 ? 'no changed type found' : `${groups.size} ${noun}${groups.size === 1 ? '' : 's'}:`);
	let likelihood: TypeChange['likelihood'];
	for (const [type, changes] of groups) {
		const first = changes[0]!;
		if (first.likelihood && first.likelihood !== likelihood) {
			likelihood = first.likelihood;
			lines.push('', likelihood === 'hashed'
				? `-- hashed by genksyms: defined by the headers that declare ${explanation.symbol}`
				: '-- possible: reachable in BTF; genksyms saw them only if the exporting file defines them');
		}

		lines.push('', type);
		if (explanation.paths !== 'btf' && first.path.length > 1) {
			lines.push(`  via ${first.path.join(' → ')}`);
		}

		for (const change of changes) {
			lines.push(`  ${describe(change)}`);
			for (const consequence of change.consequences ?? []) {
				lines.push(`      ${consequence}`);
			}
		}
	}

	for (const note of explanation.notes ?? []) {
		lines.push('', `note: ${note}`);
	}

	return lines.join('\n') + '\n';
}

function describe(change: TypeChange): string {
	// The member's name is in its C text already; say it only when the text does not show where it is.
	const text = change.after ?? change.before ?? '';
	const member = change.member && (change.member.includes('.') || !text.includes(change.member)) ? `${change.member}: ` : '';
	switch (change.kind) {
		case 'member_added':
		case 'enumerator_added': {
			return `+ ${member}${change.after ?? ''}`;
		}

		case 'member_removed':
		case 'enumerator_removed': {
			return `- ${member}${change.before ?? ''}`;
		}

		case 'became_defined': {
			return `became defined: ${change.after ?? ''}`;
		}

		case 'became_opaque': {
			return 'became opaque (only declared, { UNKNOWN })';
		}

		case 'type_added': {
			return `+ new, reached only in the new kernel: ${change.after ?? ''}`;
		}

		case 'type_removed': {
			return `- gone, reached only in the old kernel: ${change.before ?? ''}`;
		}

		default: {
			const label = change.kind.replaceAll('_', ' ');
			if (change.before === undefined && change.after === undefined) {
				return `~ ${member}${label}`;
			}

			return `~ ${member}${change.before ?? '(none)'} → ${change.after ?? '(none)'}  (${label})`;
		}
	}
}

const changeMarks: Partial<Record<TypeChange['kind'], string>> = {
	member_added: '+',
	member_removed: '-',
	enumerator_added: '+',
	enumerator_removed: '-',
	became_defined: '+',
	became_opaque: '-',
	type_added: '+',
	type_removed: '-',
};

/** One line per changed type, for reports that list many symbols (`check --explain`). */
export function summarizeExplanation(explanation: Explanation, limit = 8): string[] {
	const byType = new Map<string, string[]>();
	for (const change of explanation.changes) {
		const mark = changeMarks[change.kind] ?? '~';
		const what = change.member ?? change.kind.replaceAll('_', ' ');
		byType.set(change.type, [...(byType.get(change.type) ?? []), `${mark}${what}`]);
	}

	const lines = [...byType].slice(0, limit).map(([type, members]) => `${type}: ${members.join(', ')}`);
	if (byType.size > limit) {
		lines.push(`… ${byType.size - limit} more types (kmodx why ${explanation.symbol} -k ${explanation.from.kernel} -k ${explanation.to.kernel})`);
	}

	const noun = explanation.method === 'btf' ? 'candidate type' : 'changed type';
	const head = `why (${methodLabel(explanation)}, ${byType.size} ${noun}${byType.size === 1 ? '' : 's'})`;
	const inputs = explanation.origins
		? [originText(explanation.origins.from), originText(explanation.origins.to)]
		: (explanation.btf_inputs ? [explanation.btf_inputs.from, explanation.btf_inputs.to] : undefined);
	const from = inputs ? [`from ${explanation.from.kernel}: ${inputs[0]!}; ${explanation.to.kernel}: ${inputs[1]!}`] : [];
	return byType.size === 0 && explanation.incomplete ? [`${head}: ${explanation.incomplete}`, ...from] : [`${head}:`, ...lines, ...from];
}
