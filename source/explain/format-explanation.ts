import type {Explanation, TypeChange} from './explanation.js';

/**
The plain-text form of an explanation (`kmodx why`): a header with both CRCs and the method,
then the changes grouped by the type that changed, each with the path from the symbol to it.
*/
export function formatExplanationText(explanation: Explanation): string {
	const lines: string[] = [];
	const side = ({kernel, crc}: Explanation['from']) => (crc ? `${kernel} ${crc}` : kernel);
	lines.push(`${explanation.symbol}: ${side(explanation.from)} → ${side(explanation.to)}`);

	let method = `method: ${explanation.method}`;
	if (explanation.method === 'symtypes') {
		method += explanation.verified ? ', verified' : ', NOT verified';
	}

	if (explanation.recomputed) {
		method += ` (recomputed ${explanation.recomputed.from} → ${explanation.recomputed.to})`;
	}

	lines.push(method);

	const groups = new Map<string, TypeChange[]>();
	for (const change of explanation.changes) {
		const group = groups.get(change.type);
		if (group) {
			group.push(change);
		} else {
			groups.set(change.type, [change]);
		}
	}

	lines.push(groups.size === 0 ? 'no changed types' : `${groups.size} changed ${groups.size === 1 ? 'type' : 'types'}:`);
	for (const [type, changes] of groups) {
		lines.push('', type);
		const path = changes[0]!.path;
		if (path.length > 1) {
			lines.push(`  via ${path.join(' → ')}`);
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
};

/** One line per changed type, for reports that list many symbols (`check --explain`). */
export function summarizeExplanation(explanation: Explanation, limit = 8): string[] {
	const byType = new Map<string, string[]>();
	for (const change of explanation.changes) {
		const mark = changeMarks[change.kind] ?? '~';
		const what = change.member ?? change.kind.replaceAll('_', ' ');
		byType.set(change.type, [...(byType.get(change.type) ?? []), `${mark}${what}`]);
	}

	const method = explanation.method === 'symtypes' ? (explanation.verified ? 'symtypes, verified' : 'symtypes, NOT verified') : explanation.method;
	const lines = [...byType].slice(0, limit).map(([type, members]) => `${type}: ${members.join(', ')}`);
	if (byType.size > limit) {
		lines.push(`… ${byType.size - limit} more types (kmodx why ${explanation.symbol} -k ${explanation.from.kernel} -k ${explanation.to.kernel})`);
	}

	return [`why (${method}, ${byType.size} changed type${byType.size === 1 ? '' : 's'}):`, ...lines];
}
