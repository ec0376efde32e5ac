import {formatCrc} from '../common/hex.js';
import type {Explanation, TypeChange} from '../explain/explanation.js';
import {
	enumerators, isUnknown, renderC, structMembers, type Enumerator, type Member,
} from './c-text.js';
import {expandSymbol, resolveReference, type SymbolExpansion} from './genksyms-crc.js';
import {displayName, parseReference, type SymtypesIndex} from './symtypes-index.js';

export type SymtypesSide = {
	/** The kernel's label, e.g. "47". */
	label: string;
	index: SymtypesIndex;
	/** The CRC the kernel carries (Module.symvers, vmlinux); without it nothing can be verified. */
	kernelCrc?: number;
};

/**
Why `symbol`'s genksyms CRC differs between two kernels: recompute both CRCs and compare,
definition by definition, what each expansion hashed. Definitions reached on one side only
are not listed: a changed definition that references them (a member added) is.
*/
export function explainSymtypes({symbol, from, to}: {symbol: string; from: SymtypesSide; to: SymtypesSide}): Explanation {
	const before = expandSymbol(from.index, symbol);
	const after = expandSymbol(to.index, symbol);
	const pathsAfter = shortestPaths(after);
	let pathsBefore: ReturnType<typeof shortestPaths> | undefined;

	const changes: TypeChange[] = [];
	for (const [key, newDefinition] of after.definitions) {
		const oldDefinition = before.definitions.get(key);
		if (!oldDefinition || sameTokens(oldDefinition.tokens, newDefinition.tokens)) {
			continue;
		}

		const path = pathsAfter.get(key) ?? (pathsBefore ??= shortestPaths(before)).get(key) ?? [symbol];
		changes.push(...describeChange(key, oldDefinition.tokens, newDefinition.tokens, path));
	}

	const notes: string[] = [];
	const verifiedFrom = checkSide(from, before.crc, symbol, notes);
	const verifiedTo = checkSide(to, after.crc, symbol, notes);
	if (before.crc === after.crc) {
		notes.push(`${symbol} has the same recomputed CRC in both symtypes: nothing it depends on changed`);
	}

	return {
		symbol,
		from: {kernel: from.label, crc: from.kernelCrc === undefined ? undefined : formatCrc(from.kernelCrc)},
		to: {kernel: to.label, crc: to.kernelCrc === undefined ? undefined : formatCrc(to.kernelCrc)},
		method: 'symtypes',
		verified: verifiedFrom && verifiedTo,
		recomputed: {from: formatCrc(before.crc), to: formatCrc(after.crc)},
		changes,
		...(notes.length > 0 ? {notes} : {}),
	};
}

function checkSide(side: SymtypesSide, recomputed: number, symbol: string, notes: string[]): boolean {
	if (side.kernelCrc === undefined) {
		notes.push(`no CRC of ${symbol} known for ${side.label}: the recomputed ${formatCrc(recomputed)} is not verified`);
		return false;
	}

	if ((side.kernelCrc >>> 0) !== recomputed) {
		notes.push(`the symtypes for ${side.label} do not belong to that kernel: recomputed ${formatCrc(recomputed)} but the kernel carries ${formatCrc(side.kernelCrc)}`);
		return false;
	}

	return true;
}

function sameTokens(a: readonly string[], b: readonly string[]): boolean {
	return a.length === b.length && a.every((token, index) => token === b[index]);
}

/** Breadth-first over references from the symbol: the shortest chain of definitions to each one. */
function shortestPaths(expanded: SymbolExpansion): {get(key: string): string[] | undefined} {
	const parents = new Map<string, string | undefined>([[expanded.symbol, undefined]]);
	const queue = [expanded.symbol];
	for (let head = 0; head < queue.length; head++) {
		const key = queue[head]!;
		const definition = expanded.definitions.get(key);
		for (const token of definition?.tokens ?? []) {
			if (!parseReference(token)) {
				continue;
			}

			const target = resolveReference(expanded.scope, token, expanded.definitions)?.key ?? token;
			if (!parents.has(target)) {
				parents.set(target, key);
				queue.push(target);
			}
		}
	}

	// Paths are spelled out only for the definitions that changed: building all of them costs
	// the sum of all depths, quadratic for a long chain of typedefs.
	return {
		get(key: string): string[] | undefined {
			if (!parents.has(key)) {
				return undefined;
			}

			const path: string[] = [];
			for (let step: string | undefined = key; step !== undefined; step = parents.get(step)) {
				path.push(displayName(step));
			}

			return path.reverse();
		},
	};
}

function describeChange(key: string, before: readonly string[], after: readonly string[], path: string[]): TypeChange[] {
	const reference = parseReference(key);
	const type = displayName(key);
	const change = (fields: Omit<TypeChange, 'type' | 'path'>, typeName = type): TypeChange => ({type: typeName, ...fields, path});

	if (!reference) {
		return [change({kind: 'prototype_changed', before: renderC(before) + ';', after: renderC(after) + ';'})];
	}

	if (isUnknown(before) !== isUnknown(after)) {
		return isUnknown(before)
			? [change({kind: 'became_defined', before: `${type};`, after: summary(after)})]
			: [change({kind: 'became_opaque', before: summary(before), after: `${type};`})];
	}

	switch (reference.tag) {
		case 's':
		case 'u':
		case 't': {
			// `typedef enum { … } name` holds enumerators, not members.
			const inlineEnum = reference.tag === 't' && before.slice(0, before.indexOf('{')).includes('enum');
			const members = inlineEnum
				? diffEnumerators(enumerators(before), enumerators(after))
				: diffMembers(structMembers(before), structMembers(after));
			if (members) {
				return members.map(fields => change(fields));
			}

			if (reference.tag === 't') {
				return [change({kind: 'typedef_changed', before: renderC(before) + ';', after: renderC(after) + ';'})];
			}

			break;
		}

		case 'e': {
			const values = diffEnumerators(enumerators(before), enumerators(after));
			if (values) {
				return values.map(fields => change(fields));
			}

			break;
		}

		case 'E': {
			return [change({kind: 'enumerator_value_changed', member: reference.name, before: renderC(before), after: renderC(after)})];
		}
	}

	return [change({kind: 'definition_changed', ...tokenWindow(before, after)})];
}

type ChangeFields = Omit<TypeChange, 'type' | 'path'>;

/** Member changes by name; undefined when the members are the same (the change is elsewhere). */
function diffMembers(before: Member[] | undefined, after: Member[] | undefined): ChangeFields[] | undefined {
	if (!before || !after) {
		return undefined;
	}

	const old = new Map(before.map(member => [member.key, member]));
	const current = new Map(after.map(member => [member.key, member]));
	const changes: ChangeFields[] = [];
	for (const member of after) {
		const previous = old.get(member.key);
		if (!previous) {
			changes.push({kind: 'member_added', member: member.key, after: member.text});
		} else if (previous.text !== member.text) {
			changes.push({kind: 'member_type_changed', member: member.key, before: previous.text, after: member.text});
		}
	}

	for (const member of before) {
		if (!current.has(member.key)) {
			changes.push({kind: 'member_removed', member: member.key, before: member.text});
		}
	}

	if (changes.length === 0 && before.map(member => member.key).join('\n') !== after.map(member => member.key).join('\n')) {
		changes.push({
			kind: 'definition_changed',
			before: `members in the order ${before.map(member => member.key).join(', ')}`,
			after: `members in the order ${after.map(member => member.key).join(', ')}`,
		});
	}

	return changes.length > 0 ? changes : undefined;
}

function diffEnumerators(before: Enumerator[] | undefined, after: Enumerator[] | undefined): ChangeFields[] | undefined {
	if (!before || !after) {
		return undefined;
	}

	const old = new Map(before.map(item => [item.name, item]));
	const current = new Map(after.map(item => [item.name, item]));
	const changes: ChangeFields[] = [];
	for (const item of after) {
		const previous = old.get(item.name);
		if (!previous) {
			changes.push({kind: 'enumerator_added', member: item.name, after: item.text});
		} else if (previous.text !== item.text) {
			changes.push({kind: 'enumerator_value_changed', member: item.name, before: previous.text, after: item.text});
		}
	}

	for (const item of before) {
		if (!current.has(item.name)) {
			changes.push({kind: 'enumerator_removed', member: item.name, before: item.text});
		}
	}

	// Same names and values in another order change the implicit values too.
	if (changes.length === 0 && before.map(item => item.name).join() !== after.map(item => item.name).join()) {
		changes.push({kind: 'definition_changed', before: before.map(item => item.name).join(', '), after: after.map(item => item.name).join(', ')});
	}

	return changes.length > 0 ? changes : undefined;
}

/** The differing tokens with a little context, for changes no finer rule describes. */
function tokenWindow(before: readonly string[], after: readonly string[]): {before: string; after: string} {
	const context = 4;
	let prefix = 0;
	while (prefix < before.length && prefix < after.length && before[prefix] === after[prefix]) {
		prefix++;
	}

	let suffix = 0;
	while (suffix < before.length - prefix && suffix < after.length - prefix
		&& before[before.length - 1 - suffix] === after[after.length - 1 - suffix]) {
		suffix++;
	}

	const start = Math.max(0, prefix - context);
	const window = (tokens: readonly string[]) => {
		const end = Math.min(tokens.length, tokens.length - suffix + context);
		return (start > 0 ? '… ' : '') + renderC(tokens.slice(start, end)) + (end < tokens.length ? ' …' : '');
	};

	return {before: window(before), after: window(after)};
}

// Whole definitions of big structs are unreadable in one line: name the size instead.
function summary(tokens: readonly string[]): string {
	const text = renderC(tokens);
	if (text.length <= 160) {
		return text + ';';
	}

	const count = structMembers(tokens)?.length ?? enumerators(tokens)?.length;
	const head = renderC(tokens.slice(0, tokens.indexOf('{') + 1));
	return count === undefined ? text.slice(0, 157) + '…' : `${head} … ${count} ${tokens[0] === 'enum' ? 'enumerators' : 'members'} };`;
}
