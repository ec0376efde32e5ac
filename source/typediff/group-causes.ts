import {enumerators, isUnknown, renderC, structMembers} from '../symtypes/c-text.js';
import {InputError} from '../common/input-error.js';
import {DefinitionDiff, type DefinitionChange} from './changed-definitions.js';
import {displayName, type SymtypesIndex, type SymtypesScope} from '../symtypes/symtypes-index.js';
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
	/** `added`/`removed`: a definition one kernel's expansion reaches and the other's does not, all its items added or removed. */
	kind: 'changed' | 'became_defined' | 'became_opaque' | 'added' | 'removed';
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
For every changed export, the changed types it reaches in both kernels' graphs, each graph
followed on its own (symtypes/changed-definitions.ts's rule: a reference one kernel alone has
does not make the other kernel's types causes): strongly connected components of each graph,
then one bitset of changed types per component, filled children first; an export's set is the
union of its roots' in each graph, and the two sets intersected. Linear in the graphs' size
times the number of changed types / 32.
*/
export function groupByBtf(before: BtfGraph, after: BtfGraph, changedExports: readonly string[]): Grouping {
	const keys = [...new Set([...before.types.keys(), ...after.types.keys()])];
	const index = new Map(keys.map((key, position) => [key, position]));
	const edgesOf = (graph: BtfGraph) => keys.map(key => [...new Set((graph.types.get(key)?.references ?? []).map(reference => index.get(reference)!))]);

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

	const reaches = [reachableChanges(edgesOf(before), changedBit, changes.length), reachableChanges(edgesOf(after), changedBit, changes.length)] as const;
	const members = changes.map((): string[] => []);
	const unexplained: string[] = [];
	const notDescribed: string[] = [];
	const words = Math.ceil(changes.length / 32);
	for (const symbol of changedExports) {
		if (!before.symbols.has(symbol) && !after.symbols.has(symbol)) {
			notDescribed.push(symbol);
			continue;
		}

		// Reached in both graphs; an export one kernel's BTF does not describe (a variable it lacks): in the other's.
		let union: Uint32Array | undefined;
		for (const [side, graph] of [before, after].entries()) {
			const roots = graph.symbols.get(symbol);
			if (!roots) {
				continue;
			}

			const sideUnion = new Uint32Array(words);
			for (const root of roots) {
				const bits = reaches[side]!(index.get(root)!);
				for (let word = 0; word < words; word++) {
					sideUnion[word]! |= bits[word]!;
				}
			}

			if (union) {
				for (let word = 0; word < words; word++) {
					union[word]! &= sideUnion[word]!;
				}
			} else {
				union = sideUnion;
			}
		}

		let any = false;
		for (let bit = 0; bit < changes.length; bit++) {
			if ((union![bit >>> 5]! >>> (bit & 31)) & 1) {
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

type ComponentGraph = {edges: readonly number[][]; changedBit: ReadonlyMap<number, number>; component: Int32Array; bitsets: readonly Uint32Array[]; words: number};

/** The changed types a finished component reaches: its own, and its successors' (already complete). */
function componentBits(nodes: readonly number[], {edges, changedBit, component, bitsets, words}: ComponentGraph): Uint32Array {
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

/**
Tarjan's algorithm without recursion (the graph comes from a file), emitting components
children first, so each component's bitset is its own changed nodes or'ed with its successors'.
Returns a lookup of the bitset for a node.
*/
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
Exactly what genksyms hashed, by the rule `kmodx why` follows (symtypes/changed-definitions.ts):
for each changed export, its expansion in each kernel's own unit and the definitions they differ
by. The same answer from a tree of per-object files, a consolidated file or a mix: each side's
references are resolved in that side's unit only.
*/
export function groupBySymtypes(before: SymtypesIndex, after: SymtypesIndex, changedExports: readonly string[]): Grouping {
	const groups = new Map<string, CauseGroup>();
	const unexplained: string[] = [];
	const notDescribed: string[] = [];
	// Exports of one pair of units share the work (their graphs, which keys differ): pair by pair.
	const pairs = new Map<SymtypesScope, Map<SymtypesScope, string[]>>();
	for (const symbol of changedExports) {
		const old = before.exports.get(symbol);
		const current = after.exports.get(symbol);
		if (!old || !current) {
			notDescribed.push(symbol);
			continue;
		}

		const byCurrent = pairs.get(old) ?? new Map<SymtypesScope, string[]>();
		pairs.set(old, byCurrent);
		const symbols = byCurrent.get(current) ?? [];
		byCurrent.set(current, symbols);
		symbols.push(symbol);
	}

	for (const [old, byCurrent] of pairs) {
		for (const [current, symbols] of byCurrent) {
			const diff = new DefinitionDiff(old, current);
			for (const symbol of symbols) {
				let changes;
				try {
					changes = diff.changes(symbol);
				} catch (error) {
					// A unit genksyms itself could not expand (a typedef used but not defined): that export is not described, the others are.
					if (error instanceof InputError) {
						notDescribed.push(symbol);
						continue;
					}

					throw error;
				}

				if (changes.length === 0) {
					unexplained.push(symbol);
				}

				for (const change of changes) {
					addCause(groups, change, symbol);
				}
			}
		}
	}

	const sorted = [...groups.values()].sort((a, b) => b.exports.length - a.exports.length || (a.type < b.type ? -1 : a.type > b.type ? 1 : 0));
	return {method: 'symtypes', groups: sorted, unexplained, notDescribed};
}

function addCause(groups: Map<string, CauseGroup>, change: DefinitionChange, symbol: string) {
	const old = change.kind === 'added' ? undefined : change.before.tokens;
	const current = change.kind === 'removed' ? undefined : change.after.tokens;
	const id = causeId(change.key, old ?? noTokens, current ?? noTokens);
	let group = groups.get(id);
	if (!group) {
		group = {type: displayName(change.key), change: symtypesDiff(old, current), exports: []};
		groups.set(id, group);
	}

	group.exports.push(symbol);
}

// Stands for the side a definition is missing from, in a change's identity.
const noTokens: readonly string[] = [];

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

/** A definition's change as members/enumerators added, removed and changed, from genksyms's tokens; a side without it: added or removed whole. */
function symtypesDiff(before: readonly string[] | undefined, after: readonly string[] | undefined): TypeDiff {
	if (before === undefined || after === undefined) {
		const items = itemsOf(before ?? after!);
		return before === undefined
			? {kind: 'added', added: items.map(item => ({name: item.name, after: item.text})), removed: [], changed: []}
			: {kind: 'removed', added: [], removed: items.map(item => ({name: item.name, before: item.text})), changed: []};
	}

	if (isUnknown(before) !== isUnknown(after)) {
		return {kind: isUnknown(before) ? 'became_defined' : 'became_opaque', added: [], removed: [], changed: []};
	}

	const text = (tokens: readonly string[]) => ({text: renderC(tokens), items: itemsOf(tokens), references: []});
	return diffItems(text(before), text(after));
}

/** A definition's members or enumerators, else its whole text as one item. */
function itemsOf(tokens: readonly string[]): Array<{name: string; text: string}> {
	const members = structMembers(tokens);
	if (members) {
		return members.map(member => ({name: member.key, text: member.text}));
	}

	const values = enumerators(tokens);
	return values ? values.map(value => ({name: value.name, text: value.text})) : [{name: '', text: renderC(tokens)}];
}
