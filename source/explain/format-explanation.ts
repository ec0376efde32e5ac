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
