import {formatCrc} from '../common/hex.js';
import type {Explanation, TypeChange} from './explanation.js';
import {
	enumerators, isUnknown, renderC, structMembers, type Enumerator, type Member,
} from '../symtypes/c-text.js';
import {DefinitionDiff, type DefinitionChange} from './changed-definitions.js';
import {expandSymbol, resolveReference, type SymbolReach} from '../symtypes/genksyms-crc.js';
import {displayName, parseReference, type SymtypesIndex} from '../symtypes/symtypes-index.js';
import {appendAll} from '../common/arrays.js';

export type SymtypesSide = {
	/** The kernel's label, e.g. "47". */
	label: string;
	index: SymtypesIndex;
	/** The CRC the kernel carries (Module.symvers, vmlinux); without it nothing can be verified. */
	kernelCrc?: number;
};

/**
Why `symbol`'s genksyms CRC differs between two kernels: recompute both CRCs and compare,
definition by definition, what each expansion hashed. A definition one expansion has and the
other lacks (a struct reached through an added member) is listed as added or removed, whole —
unless it is reached only through a type that became defined or opaque: that is one cause, not
everything its definition pulls in.
*/
export function explainSymtypes({symbol, from, to}: {symbol: string; from: SymtypesSide; to: SymtypesSide}): Explanation {
	const before = expandSymbol(from.index, symbol);
	const after = expandSymbol(to.index, symbol);
	const pathsAfter = shortestPaths(after);
	let pathsBefore: ReturnType<typeof shortestPaths> | undefined;

	// One rule with the kernel diff's grouping by cause (changed-definitions.ts); here each change gets its path and its members.
	const changes: TypeChange[] = [];
	// Listed in expansion order (genksyms's depth-first), as the definitions were hashed.
	const order = (change: DefinitionChange) => change.kind === 'removed' ? after.definitions.size + [...before.definitions.keys()].indexOf(change.key) : [...after.definitions.keys()].indexOf(change.key);
	const found = new DefinitionDiff(before.scope, after.scope).changes(symbol);
	const ranks = new Map(found.map(change => [change, order(change)]));
	for (const change of found.sort((a, b) => ranks.get(a)! - ranks.get(b)!)) {
		const path = (change.kind === 'removed' ? undefined : pathsAfter.get(change.key)) ?? (pathsBefore ??= shortestPaths(before)).get(change.key) ?? [symbol];
		if (change.kind === 'changed') {
			appendAll(changes, describeChange(change.key, change.before.tokens, change.after.tokens, path));
		} else {
			changes.push(change.kind === 'added'
				? {type: displayName(change.key), kind: 'type_added', after: summary(change.after.tokens), path}
				: {type: displayName(change.key), kind: 'type_removed', before: summary(change.before.tokens), path});
		}
	}

	const notes: string[] = [];
	const verifiedFrom = checkSide(from, before.crc, symbol, notes);
	const verifiedTo = checkSide(to, after.crc, symbol, notes);
	if (before.crc === after.crc) {
		notes.push(`${symbol} has the same recomputed CRC in both symtypes: nothing it depends on changed`);
	}

	const verified = verifiedFrom && verifiedTo;
	const incomplete = !verified
		? 'the recomputed CRCs are not both the kernels\' own: these symtypes may not be what the kernels were built from'
		: before.crc === after.crc ? 'the symtypes give the same CRC on both sides' : undefined;
	return {
		symbol,
		from: {kernel: from.label, crc: from.kernelCrc === undefined ? undefined : formatCrc(from.kernelCrc)},
		to: {kernel: to.label, crc: to.kernelCrc === undefined ? undefined : formatCrc(to.kernelCrc)},
		method: 'symtypes',
		verified,
		recomputed: {from: formatCrc(before.crc), to: formatCrc(after.crc)},
		complete: incomplete === undefined,
		...(incomplete === undefined ? {} : {incomplete}),
		paths: 'genksyms',
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

/** Breadth-first over references from the symbol: the shortest chain of definitions to each one. */
function shortestPaths(expanded: SymbolReach): {get(key: string): string[] | undefined} {
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

type Named = {key: string; text: string};
type Kinds = {added: TypeChange['kind']; removed: TypeChange['kind']; changed: TypeChange['kind']};

/**
Items (members, enumerators) compared by name: added, removed, changed text; when only the
order differs, that is the change. Undefined when both lists are the same.
*/
function diffByName(before: Named[] | undefined, after: Named[] | undefined, kinds: Kinds, order: (keys: string[]) => string): ChangeFields[] | undefined {
	if (!before || !after) {
		return undefined;
	}

	const old = new Map(before.map(item => [item.key, item]));
	const current = new Map(after.map(item => [item.key, item]));
	const changes: ChangeFields[] = [];
	for (const item of after) {
		const previous = old.get(item.key);
		if (!previous) {
			changes.push({kind: kinds.added, member: item.key, after: item.text});
		} else if (previous.text !== item.text) {
			changes.push({kind: kinds.changed, member: item.key, before: previous.text, after: item.text});
		}
	}

	for (const item of before) {
		if (!current.has(item.key)) {
			changes.push({kind: kinds.removed, member: item.key, before: item.text});
		}
	}

	const keys = (items: Named[]) => items.map(item => item.key);
	if (changes.length === 0 && keys(before).join('\n') !== keys(after).join('\n')) {
		changes.push({kind: 'definition_changed', before: order(keys(before)), after: order(keys(after))});
	}

	return changes.length > 0 ? changes : undefined;
}

/** Member changes by name; undefined when the members are the same (the change is elsewhere). */
function diffMembers(before: Member[] | undefined, after: Member[] | undefined): ChangeFields[] | undefined {
	return diffByName(before, after, {added: 'member_added', removed: 'member_removed', changed: 'member_type_changed'}, keys => `members in the order ${keys.join(', ')}`);
}

/** Same names and values in another order change the implicit values too. */
function diffEnumerators(before: Enumerator[] | undefined, after: Enumerator[] | undefined): ChangeFields[] | undefined {
	const named = (items: Enumerator[] | undefined) => items?.map(item => ({key: item.name, text: item.text}));
	return diffByName(named(before), named(after), {added: 'enumerator_added', removed: 'enumerator_removed', changed: 'enumerator_value_changed'}, keys => keys.join(', '));
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
