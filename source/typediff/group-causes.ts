import {enumerators, isUnknown, renderC, structMembers} from '../symtypes/c-text.js';
import {resolveReference} from '../symtypes/genksyms-crc.js';
import {displayName, parseReference, tagKeywords, type SymtypesDefinition, type SymtypesIndex, type SymtypesScope} from '../symtypes/symtypes-index.js';
import type {BtfGraph, TypeDefinition} from './btf-graph.js';

/*
Changed exports grouped under the type changes behind them, as SUSE's `ksymtypes compare` does
("The following 193 exports are different: … because of a changed 'E#NR_KVM_CPU_CAPS'"): each
changed definition with the exports that reach it, largest group first. From BTF the reach is
the kernel's whole type graph, a superset of what genksyms hashed (it follows only types the
exporting file defines); from symtypes it is exact.
*/

export type ItemChange = {name: string; before?: string; after?: string};

export type TypeDiff = {
	kind: 'changed' | 'became_defined' | 'became_opaque';
	added: ItemChange[];
	removed: ItemChange[];
	changed: ItemChange[];
};

export type CauseGroup = {
	/** "struct task_struct", "typedef u8", "enum pid_type", or "E#NR_KVM_CPU_CAPS" (symtypes). */
	type: string;
	change: TypeDiff;
	exports: string[];
};

export type Grouping = {
	method: 'btf' | 'symtypes';
	groups: CauseGroup[];
	/** Changed exports that reach no changed definition the method can see. */
	unexplained: string[];
	/** Changed exports the type information does not describe (a module's, a variable BTF lacks). */
	notDescribed: string[];
	/**
	The kernels have no CRCs (no modversions): every export both have was compared by its types,
	and the groups hold those whose types changed; nothing was checked against a CRC.
	*/
	withoutCrcs?: boolean;
};

/** Items compared by name: what was added, removed and changed. */
export function diffItems(before: TypeDefinition, after: TypeDefinition): TypeDiff {
	const opaque = (definition: TypeDefinition) => !definition.text.includes('{');
	if (opaque(before) !== opaque(after)) {
		return {kind: opaque(before) ? 'became_defined' : 'became_opaque', added: [], removed: [], changed: []};
	}

	const old = new Map(before.items.map(item => [item.name, item.text]));
	const current = new Map(after.items.map(item => [item.name, item.text]));
	const added = after.items.filter(item => !old.has(item.name)).map(item => ({name: item.name, after: item.text}));
	const removed = before.items.filter(item => !current.has(item.name)).map(item => ({name: item.name, before: item.text}));
	const changed = after.items.filter(item => old.has(item.name) && old.get(item.name) !== item.text).map(item => ({name: item.name, before: old.get(item.name)!, after: item.text}));
	return {kind: 'changed', added, removed, changed};
}

/**
For every changed export, the changed types it reaches in either kernel's graph: strongly
connected components of the type graph, then one bitset of changed types per component, filled
children first; an export's set is the union of its roots'. Linear in the graph's size times
the number of changed types / 32.
*/
export function groupByBtf(before: BtfGraph, after: BtfGraph, changedExports: readonly string[]): Grouping {
	const keys = [...new Set([...before.types.keys(), ...after.types.keys()])];
	const index = new Map(keys.map((key, position) => [key, position]));
	const edges = keys.map(key => {
		const targets = new Set<number>();
		for (const graph of [before, after]) {
			for (const reference of graph.types.get(key)?.references ?? []) {
				targets.add(index.get(reference)!);
			}
		}

		return [...targets];
	});

	const changes: Array<{type: string; change: TypeDiff}> = [];
	const changedBit = new Map<number, number>();
	for (const [position, key] of keys.entries()) {
		const old = before.types.get(key);
		const current = after.types.get(key);
		if (old && current && old.text !== current.text) {
			changedBit.set(position, changes.length);
			changes.push({type: key, change: diffItems(old, current)});
		}
	}

	const reach = reachableChanges(edges, changedBit, changes.length);
	const members = changes.map((): string[] => []);
	const unexplained: string[] = [];
	const notDescribed: string[] = [];
	const words = Math.ceil(changes.length / 32);
	for (const symbol of changedExports) {
		const roots = new Set([...before.symbols.get(symbol) ?? [], ...after.symbols.get(symbol) ?? []]);
		if (!before.symbols.has(symbol) && !after.symbols.has(symbol)) {
			notDescribed.push(symbol);
			continue;
		}

		const union = new Uint32Array(words);
		for (const root of roots) {
			const bits = reach(index.get(root)!);
			for (let word = 0; word < words; word++) {
				union[word]! |= bits[word]!;
			}
		}

		let any = false;
		for (let bit = 0; bit < changes.length; bit++) {
			if ((union[bit >>> 5]! >>> (bit & 31)) & 1) {
				members[bit]!.push(symbol);
				any = true;
			}
		}

		if (!any) {
			unexplained.push(symbol);
		}
	}

	const groups = changes.map((change, bit) => ({...change, exports: members[bit]!})).filter(group => group.exports.length > 0);
	// An export whose own declaration changed (`void f()` → `bool f()`) has that as a cause too.
	const ownDeclaration = new Set<string>();
	for (const symbol of changedExports) {
		const old = before.declarations.get(symbol);
		const current = after.declarations.get(symbol);
		if (old !== undefined && current !== undefined && old !== current) {
			ownDeclaration.add(symbol);
			groups.push({type: `${symbol} (its own declaration)`, change: {kind: 'changed', added: [], removed: [], changed: [{name: symbol, before: old, after: current}]}, exports: [symbol]});
		}
	}

	groups.sort((a, b) => b.exports.length - a.exports.length || (a.type < b.type ? -1 : a.type > b.type ? 1 : 0));
	return {method: 'btf', groups, unexplained: unexplained.filter(symbol => !ownDeclaration.has(symbol)), notDescribed};
}

/**
Tarjan's algorithm without recursion (the graph comes from a file), emitting components
children first, so each component's bitset is its own changed nodes or'ed with its successors'.
Returns a lookup of the bitset for a node.
*/
/** The changed types a finished component reaches: its own, and its successors' (already complete). */
function componentBits(nodes: readonly number[], {edges, changedBit, component, bitsets, words}: {edges: readonly number[][]; changedBit: ReadonlyMap<number, number>; component: Int32Array; bitsets: readonly Uint32Array[]; words: number}): Uint32Array {
	const bits = new Uint32Array(words);
	for (const member of nodes) {
		const bit = changedBit.get(member);
		if (bit !== undefined) {
			bits[bit >>> 5]! |= 1 << (bit & 31);
		}

		for (const target of edges[member]!) {
			const other = component[target]!;
			// component[] of this one's members is bitsets.length: itself, not a successor.
			if (other !== bitsets.length && other !== -1) {
				const successor = bitsets[other]!;
				for (let word = 0; word < words; word++) {
					bits[word]! |= successor[word]!;
				}
			}
		}
	}

	return bits;
}

function reachableChanges(edges: readonly number[][], changedBit: ReadonlyMap<number, number>, changeCount: number): (node: number) => Uint32Array {
	const count = edges.length;
	const words = Math.max(1, Math.ceil(changeCount / 32));
	const order = new Int32Array(count).fill(-1);
	const low = new Int32Array(count);
	const component = new Int32Array(count).fill(-1);
	const onStack = new Uint8Array(count);
	const stack: number[] = [];
	const bitsets: Uint32Array[] = [];
	let counter = 0;
	for (let start = 0; start < count; start++) {
		if (order[start] !== -1) {
			continue;
		}

		const frames: Array<{node: number; next: number}> = [{node: start, next: 0}];
		order[start] = low[start] = counter++;
		stack.push(start);
		onStack[start] = 1;
		while (frames.length > 0) {
			const frame = frames.at(-1)!;
			const targets = edges[frame.node]!;
			if (frame.next < targets.length) {
				const target = targets[frame.next++]!;
				if (order[target] === -1) {
					order[target] = low[target] = counter++;
					stack.push(target);
					onStack[target] = 1;
					frames.push({node: target, next: 0});
				} else if (onStack[target]) {
					low[frame.node] = Math.min(low[frame.node]!, order[target]!);
				}

				continue;
			}

			frames.pop();
			const parent = frames.at(-1);
			if (parent) {
				low[parent.node] = Math.min(low[parent.node]!, low[frame.node]!);
			}

			if (low[frame.node] !== order[frame.node]) {
				continue;
			}

			// A component is complete: its successors outside it were completed before it.
			const nodes: number[] = [];
			let node: number;
			do {
				node = stack.pop()!;
				onStack[node] = 0;
				component[node] = bitsets.length;
				nodes.push(node);
			} while (node !== frame.node);

			bitsets.push(componentBits(nodes, {edges, changedBit, component, bitsets, words}));
		}
	}

	const empty = new Uint32Array(words);
	return node => (node === undefined ? empty : bitsets[component[node]!] ?? empty);
}

/**
Exactly what genksyms hashed: for each changed export, the definitions of its translation unit
it reaches (genksyms expands each reachable definition once, so reachability is the expansion),
in both kernels, and those that differ. Exports of one unit share one graph: its components'
bitsets of changed definitions answer every export of the unit at once.
*/
export function groupBySymtypes(before: SymtypesIndex, after: SymtypesIndex, changedExports: readonly string[]): Grouping {
	const groups = new Map<string, CauseGroup>();
	const unexplained: string[] = [];
	const notDescribed: string[] = [];
	const units = new Map<SymtypesScope, Map<SymtypesScope, string[]>>();
	for (const symbol of changedExports) {
		const old = before.exports.get(symbol);
		const current = after.exports.get(symbol);
		if (!old || !current) {
			notDescribed.push(symbol);
			continue;
		}

		const byOld = units.get(current) ?? new Map<SymtypesScope, string[]>();
		units.set(current, byOld);
		byOld.set(old, [...byOld.get(old) ?? [], symbol]);
	}

	for (const [current, byOld] of units) {
		for (const [old, symbols] of byOld) {
			for (const {symbol, causes} of unitCauses(old, current, symbols)) {
				if (causes.length === 0) {
					unexplained.push(symbol);
				}

				for (const cause of causes) {
					let group = groups.get(cause.id);
					if (!group) {
						group = {type: displayName(cause.key), change: symtypesDiff(cause.before, cause.after), exports: []};
						groups.set(cause.id, group);
					}

					group.exports.push(symbol);
				}
			}
		}
	}

	const sorted = [...groups.values()].sort((a, b) => b.exports.length - a.exports.length || (a.type < b.type ? -1 : a.type > b.type ? 1 : 0));
	return {method: 'symtypes', groups: sorted, unexplained, notDescribed};
}

type Cause = {id: string; key: string; before: readonly string[]; after: readonly string[]};

/** One unit pair: the changed definitions each export reaches. */
function unitCauses(old: SymtypesScope, current: SymtypesScope, symbols: readonly string[]): Array<{symbol: string; causes: Cause[]}> {
	// The definitions reachable from the unit's changed exports, in either kernel; a tag a side
	// does not define counts as `struct foo { UNKNOWN }` there, as genksyms counts it.
	const keys: string[] = [];
	const index = new Map<string, number>();
	const edges: number[][] = [];
	const node = (key: string) => {
		let position = index.get(key);
		if (position === undefined) {
			position = keys.length;
			index.set(key, position);
			keys.push(key);
			edges.push([]);
		}

		return position;
	};

	const resolved = (scope: SymtypesScope, key: string) => scope.get(key) ?? resolveReference(scope, key);
	for (const symbol of symbols) {
		node(symbol);
	}

	for (let position = 0; position < keys.length; position++) {
		const targets = new Set<number>();
		for (const scope of [old, current]) {
			const definition = resolved(scope, keys[position]!);
			for (const token of definition ? referencesOf(definition) : []) {
				targets.add(node(resolved(scope, token)?.key ?? token));
			}
		}

		edges[position] = [...targets];
	}

	const causes: Cause[] = [];
	const changedBit = new Map<number, number>();
	for (const [position, key] of keys.entries()) {
		const before = tokensOf(resolved(old, key), key);
		const after = tokensOf(resolved(current, key), key);
		if (before && after && before !== after && !sameTokens(before, after)) {
			changedBit.set(position, causes.length);
			causes.push({id: causeId(key, before, after), key, before, after});
		}
	}

	const reach = reachableChanges(edges, changedBit, causes.length);
	return symbols.map(symbol => {
		const bits = reach(index.get(symbol)!);
		return {symbol, causes: causes.filter((_, bit) => (bits[bit >>> 5]! >>> (bit & 31)) & 1)};
	});
}

/** The type references (`s#foo`) among a definition's tokens; definitions are shared by the units of a tree, so once each. */
const references = new WeakMap<SymtypesDefinition, string[]>();

function referencesOf(definition: SymtypesDefinition): string[] {
	let found = references.get(definition);
	if (!found) {
		found = definition.tokens.filter(token => parseReference(token) !== undefined);
		references.set(definition, found);
	}

	return found;
}

/*
A change's identity: the key and both texts. Units of a build tree share their definitions (see
SharedDefinitions), so the same pair of token arrays comes back for every unit that reaches it:
joined once.
*/
const causeIds = new WeakMap<readonly string[], WeakMap<readonly string[], string>>();

function causeId(key: string, before: readonly string[], after: readonly string[]): string {
	let byAfter = causeIds.get(before);
	if (!byAfter) {
		byAfter = new WeakMap();
		causeIds.set(before, byAfter);
	}

	let id = byAfter.get(after);
	if (id === undefined) {
		id = `${key}\0${before.join(' ')}\0${after.join(' ')}`;
		byAfter.set(after, id);
	}

	return id;
}

/** A definition's tokens, or genksyms's stand-in for a tag the unit does not define. */
function tokensOf(definition: SymtypesDefinition | undefined, key: string): readonly string[] | undefined {
	if (definition) {
		return definition.tokens;
	}

	const reference = parseReference(key);
	const keyword = reference ? tagKeywords[reference.tag] : undefined;
	return keyword ? [keyword, reference!.name, '{', 'UNKNOWN', '}'] : undefined;
}

function sameTokens(a: readonly string[], b: readonly string[]): boolean {
	return a.length === b.length && a.every((token, index) => token === b[index]);
}

/** A definition's change as members/enumerators added, removed and changed, from genksyms's tokens. */
function symtypesDiff(before: readonly string[], after: readonly string[]): TypeDiff {
	if (isUnknown(before) !== isUnknown(after)) {
		return {kind: isUnknown(before) ? 'became_defined' : 'became_opaque', added: [], removed: [], changed: []};
	}

	const items = (tokens: readonly string[]) => {
		const members = structMembers(tokens);
		if (members) {
			return {name: 'members', list: members.map(member => ({name: member.key, text: member.text}))};
		}

		const values = enumerators(tokens);
		return values ? {name: 'enumerators', list: values.map(value => ({name: value.name, text: value.text}))} : {name: 'text', list: [{name: '', text: renderC(tokens)}]};
	};

	const text = (tokens: readonly string[]) => ({text: renderC(tokens), items: items(tokens).list, references: []});
	return diffItems(text(before), text(after));
}
