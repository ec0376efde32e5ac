import {changesByType, type Explanation, type SymtypesOrigin, type TypeChange} from '../typediff/explanation.js';
import {gap, viewLine, type Tone, type ViewLine} from './view-line.js';

/*
The one view of an explanation (`kmodx why`, the explorer's why pane): the text formatter
flattens these lines, the explorer draws them, so both show the same thing.
*/

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

/** + for what appeared, - for what went, absent (~) for what changed in place. */
export const changeMarks: Partial<Record<TypeChange['kind'], '+' | '-'>> = {
	member_added: '+',
	member_removed: '-',
	enumerator_added: '+',
	enumerator_removed: '-',
	became_defined: '+',
	became_opaque: '-',
	type_added: '+',
	type_removed: '-',
};

/** "changed type(s)" for symtypes (exact), "candidate type(s)" for BTF (approximate). */
export function typeCount(explanation: Explanation, count: number): string {
	const noun = explanation.method === 'btf' ? 'candidate type' : 'changed type';
	return `${count} ${noun}${count === 1 ? '' : 's'}`;
}

const side = ({kernel, crc}: Explanation['from']) => (crc ? `${kernel} ${crc}` : kernel);

/**
A header with both CRCs and the method, then the changes grouped by the type that changed,
each change followed by the offset and size shifts that only follow from it. A path from the
symbol to the type is shown only where it is the path genksyms took; BTF's paths may run
through types genksyms never saw.
*/
export function explanationLines(explanation: Explanation): ViewLine[] {
	const lines: ViewLine[] = [{role: 'title', indent: 0, segments: [{text: explanation.symbol, tone: 'bold'}, {text: `: ${side(explanation.from)} → ${side(explanation.to)}`}]}];
	const recomputed = explanation.recomputed ? ` (recomputed ${explanation.recomputed.from} → ${explanation.recomputed.to})` : '';
	const verified = explanation.method === 'btf' ? 'dim' : explanation.verified ? 'good' : 'warn';
	lines.push({role: 'fact', indent: 0, segments: [{text: 'method: ', tone: 'dim'}, {text: methodLabel(explanation), tone: verified}, {text: recomputed, tone: 'dim'}]});
	if (explanation.origins) {
		lines.push(viewLine('fact', `${explanation.from.kernel}: ${originText(explanation.origins.from)}`, 'dim', 2), viewLine('fact', `${explanation.to.kernel}: ${originText(explanation.origins.to)}`, 'dim', 2));
	}

	if (!explanation.complete && explanation.incomplete) {
		lines.push(viewLine('fact', `incomplete: ${explanation.incomplete}`, 'warn'));
	}

	const groups = changesByType(explanation.changes);
	lines.push(viewLine('heading', groups.size === 0 ? 'no changed type found' : `${typeCount(explanation, groups.size)}:`, 'accent'));
	let likelihood: TypeChange['likelihood'];
	for (const [type, changes] of groups) {
		const first = changes[0]!;
		if (first.likelihood && first.likelihood !== likelihood) {
			likelihood = first.likelihood;
			lines.push(gap, likelihood === 'hashed'
				? viewLine('section', `-- hashed by genksyms: defined by the headers that declare ${explanation.symbol}`, 'bad')
				: viewLine('section', '-- possible: reachable in BTF; genksyms saw them only if the exporting file defines them', 'dim'));
		}

		lines.push(gap, viewLine('heading', type, 'bold'));
		if (explanation.paths !== 'btf' && first.path.length > 1) {
			lines.push(viewLine('detail', `via ${first.path.join(' → ')}`, 'dim', 2));
		}

		for (const change of changes) {
			lines.push(viewLine('item', describeChange(change), changeTone(change), 2));
			for (const consequence of change.consequences ?? []) {
				lines.push(viewLine('detail', consequence, 'dim', 6));
			}
		}
	}

	for (const note of explanation.notes ?? []) {
		lines.push(gap, viewLine('note', `note: ${note}`, 'dim'));
	}

	return lines;
}

function changeTone(change: TypeChange): Tone {
	const mark = changeMarks[change.kind];
	return mark === '+' ? 'added' : mark === '-' ? 'removed' : 'warn';
}

/** One change in a line: mark, member, C text before → after. */
export function describeChange(change: TypeChange): string {
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
