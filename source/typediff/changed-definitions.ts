import {InputError} from '../common/input-error.js';
import {isUnknown} from '../symtypes/c-text.js';
import {resolveReference} from '../symtypes/genksyms-crc.js';
import {parseReference, tagKeywords, type SymtypesDefinition, type SymtypesScope} from '../symtypes/symtypes-index.js';

/*
The one rule for "which definitions changed for this export", shared by `kmodx why` (one symbol,
explain-symtypes.ts) and the kernel diff's grouping by cause (every changed export,
kabi/group-causes.ts): what genksyms's two expansions of the export differ by.
- A definition both expansions reach whose tokens differ is changed; references are followed on
  each side in that side's own unit only, so a type one kernel's file defines and the other's
  does not reach is never compared across files.
- A definition one expansion reaches and the other does not is added or removed, whole — unless
  it is reached only through a type that went from `{ UNKNOWN }` to a definition (or back) between
  the two units: that one line is the change, not everything the new definition pulls in.
*/

export type DefinitionChange =
	| {kind: 'changed'; key: string; before: SymtypesDefinition; after: SymtypesDefinition}
	| {kind: 'added'; key: string; after: SymtypesDefinition}
	| {kind: 'removed'; key: string; before: SymtypesDefinition};

/**
One unit's definitions as a graph of numbered nodes: every definition the unit holds (a per-object
file's lines; for a consolidated section, what its exports reach, omitted repeats included) and
the references between them, resolved in that unit as genksyms resolves them. An export's
expansion is then a walk over integers, whatever form the symtypes came in.
*/
class UnitGraph {
	readonly keys: string[] = [];
	readonly ids = new Map<string, number>();
	readonly definitions: SymtypesDefinition[] = [];
	readonly unknown: boolean[] = [];
	// Edges in one array: node n's targets are targets[offsets[n] … offsets[n + 1]).
	readonly offsets: Int32Array;
	readonly targets: Int32Array;
	// A typedef used but never defined: genksyms cannot expand what reaches it.
	readonly broken = new Map<number, string>();
	private readonly stamps: Uint32Array;
	private generation = 0;

	constructor(scope: SymtypesScope) {
		const made = new Map<string, SymtypesDefinition>();
		const add = (definition: SymtypesDefinition) => {
			let id = this.ids.get(definition.key);
			if (id === undefined) {
				id = this.keys.length;
				this.ids.set(definition.key, id);
				this.keys.push(definition.key);
				this.definitions.push(definition);
				this.unknown.push(isUnknown(definition.tokens));
			}

			return id;
		};

		for (const definition of scope.definitions()) {
			add(definition);
		}

		const offsets = [0];
		const targets: number[] = [];
		for (let id = 0; id < this.keys.length; id++) {
			const definition = this.definitions[id]!;
			for (const token of referencesOf(definition)) {
				const target = resolveReference(scope, token) ?? made.get(token) ?? madeUp(definition, token, made);
				if (target) {
					targets.push(add(target));
				} else {
					this.broken.set(id, `line ${definition.line}: ${token} is used but not defined`);
				}
			}

			offsets.push(targets.length);
		}

		this.offsets = Int32Array.from(offsets);
		this.targets = Int32Array.from(targets);
		this.stamps = new Uint32Array(this.keys.length);
	}

	/** The nodes an expansion from `root` reaches, breadth first; `stop` nodes are reached but not entered. Marks them until the next walk. */
	walk(root: number, stop?: Uint8Array): {nodes: number[]; mark: number} {
		const mark = ++this.generation;
		const nodes = [root];
		this.stamps[root] = mark;
		for (let head = 0; head < nodes.length; head++) {
			const node = nodes[head]!;
			const problem = this.broken.get(node);
			if (problem !== undefined) {
				throw new InputError(this.definitions[node]!.file, problem);
			}

			if (head > 0 && stop?.[node]) {
				continue;
			}

			for (let edge = this.offsets[node]!; edge < this.offsets[node + 1]!; edge++) {
				const target = this.targets[edge]!;
				if (this.stamps[target] !== mark) {
					this.stamps[target] = mark;
					nodes.push(target);
				}
			}
		}

		return {nodes, mark};
	}

	reached(node: number, mark: number): boolean {
		return this.stamps[node] === mark;
	}
}

/**
The definitions one export's expansions differ by, between a unit of one kernel and a unit of
the other. Built once for a pair of units and asked for each of their exports: everything that
does not depend on the export (which keys both units hold, which differ, which flipped between
`{ UNKNOWN }` and a definition) is worked out once.
*/
export class DefinitionDiff {
	private readonly before: UnitGraph;
	private readonly after: UnitGraph;
	// For each node, the node of the same key in the other unit, or -1.
	private readonly toBefore: Int32Array;
	private readonly toAfter: Int32Array;
	// Per node of `after`: its key's definition differs between the units.
	private readonly differs: Uint8Array;
	// Per node: the key is declared in one unit and defined in the other.
	private readonly flippedBefore: Uint8Array;
	private readonly flippedAfter: Uint8Array;

	constructor(before: SymtypesScope, after: SymtypesScope) {
		this.before = new UnitGraph(before);
		this.after = new UnitGraph(after);
		this.toBefore = Int32Array.from(this.after.keys, key => this.before.ids.get(key) ?? -1);
		this.toAfter = Int32Array.from(this.before.keys, key => this.after.ids.get(key) ?? -1);
		this.differs = new Uint8Array(this.after.keys.length);
		this.flippedAfter = new Uint8Array(this.after.keys.length);
		this.flippedBefore = new Uint8Array(this.before.keys.length);
		for (const [node, other] of this.toBefore.entries()) {
			if (other === -1) {
				continue;
			}

			const [old, current] = [this.before.definitions[other]!, this.after.definitions[node]!];
			this.differs[node] = old !== current && !sameTokens(old.tokens, current.tokens) ? 1 : 0;
			const flipped = this.before.unknown[other] !== this.after.unknown[node] ? 1 : 0;
			this.flippedAfter[node] = flipped;
			this.flippedBefore[other] = flipped;
		}
	}

	/** Changed definitions first, then added, then removed; throws InputError if an expansion meets a typedef its unit never defines. */
	changes(symbol: string): DefinitionChange[] {
		const [rootBefore, rootAfter] = [this.before.ids.get(symbol), this.after.ids.get(symbol)];
		if (rootBefore === undefined || rootAfter === undefined) {
			return [];
		}

		const before = this.before.walk(rootBefore);
		const after = this.after.walk(rootAfter);
		const changes: DefinitionChange[] = [];
		for (const node of after.nodes) {
			const other = this.toBefore[node]!;
			if (this.differs[node] && this.before.reached(other, before.mark)) {
				changes.push({kind: 'changed', key: this.after.keys[node]!, before: this.before.definitions[other]!, after: this.after.definitions[node]!});
			}
		}

		// Candidates of both sides before either walk is redone (a walk's marks last until the next one).
		const added = this.oneSided(after.nodes, this.after, this.toBefore, this.before, before.mark);
		const removed = this.oneSided(before.nodes, this.before, this.toAfter, this.after, after.mark);
		if (added.length > 0) {
			const reachable = this.after.walk(rootAfter, this.flippedAfter);
			for (const node of added.filter(node => this.after.reached(node, reachable.mark))) {
				changes.push({kind: 'added', key: this.after.keys[node]!, after: this.after.definitions[node]!});
			}
		}

		if (removed.length > 0) {
			const reachable = this.before.walk(rootBefore, this.flippedBefore);
			for (const node of removed.filter(node => this.before.reached(node, reachable.mark))) {
				changes.push({kind: 'removed', key: this.before.keys[node]!, before: this.before.definitions[node]!});
			}
		}

		return changes;
	}

	/** Nodes of one walk the other walk (`mark` in `other`) does not reach: struct, union, enum, typedef and enumerator definitions, not declarations. */
	private oneSided(nodes: readonly number[], graph: UnitGraph, toOther: Int32Array, other: UnitGraph, mark: number): number[] {
		return nodes.filter(node => {
			const counterpart = toOther[node]!;
			return (counterpart === -1 || !other.reached(counterpart, mark)) && parseReference(graph.keys[node]!) !== undefined && !graph.unknown[node];
		});
	}
}

function sameTokens(a: readonly string[], b: readonly string[]): boolean {
	return a.length === b.length && a.every((token, index) => token === b[index]);
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

/** Genksyms's `struct foo { UNKNOWN }` for a tag the unit never mentions; undefined for a typedef or enumerator (genksyms cannot go on). */
function madeUp(from: SymtypesDefinition, token: string, made: Map<string, SymtypesDefinition>): SymtypesDefinition | undefined {
	const reference = parseReference(token)!;
	const keyword = tagKeywords[reference.tag];
	if (!keyword) {
		return undefined;
	}

	const definition = {key: token, tokens: [keyword, reference.name, '{', 'UNKNOWN', '}'], override: false, file: from.file, line: 0};
	made.set(token, definition);
	return definition;
}
