import {InputError} from '../common/input-error.js';
import {type Explanation, type TypeChange, type TypeChangeKind} from './explanation.js';
import {type Btf, type BtfMember} from '../btf/btf.js';
import {cType, embeddedComposite, type TypeRef, typeKey, typeRefs, typeSize} from '../btf/btf-c-type.js';
import {BtfKind} from '../btf/btf-kind.js';
import {appendAll} from '../common/arrays.js';

/*
Why did a symbol's CRC change, from the BTF of both kernels. genksyms hashes the expansion of
every type reachable from the export's declaration; this walks the same graph in both kernels
at once (breadth first from the FUNC/VAR, pairing types by kind+name and anonymous members by
position), so each named type is compared once, along its shortest path from the symbol.
*/

export type BtfSide = {label: string; btf: Btf; crc?: string};
export type ExplainBtfInput = {symbol: string; from: BtfSide; to: BtfSide};

type Node = {key: string; a: number; b: number; parent: number; depth: number};

/** Something in a struct that moves the members after it: a cause, or an embedded type that grew. */
type LayoutEvent = {bit: number; change?: TypeChange; embedded?: string};
type Shift = {bit: number; member: string; from: number; to: number};
type Owner = {node: number; key: string; events: LayoutEvent[]; shifts: Shift[]};

const maxInlineDepth = 32;
const listedShifts = 4;

export function explainBtf(input: ExplainBtfInput): Explanation {
	return new Walk(input).run();
}

class Walk {
	private readonly a: Btf;
	private readonly b: Btf;
	private readonly nodes: Node[] = [];
	private readonly nodeByKey = new Map<string, number>();
	private readonly changes: Array<{change: TypeChange; depth: number; node: number; bit: number; order: number}> = [];
	private readonly notes: string[] = [];
	/** Per named type: the embedded types that grew, for consequences whose cause lies deeper. */
	private readonly embeddedTargets = new Map<string, Array<{key: string; texts: string[]}>>();
	private readonly pending: Array<{key: string; texts: string[]}> = [];

	constructor(private readonly input: ExplainBtfInput) {
		this.a = input.from.btf;
		this.b = input.to.btf;
	}

	run(): Explanation {
		const {symbol, from, to} = this.input;
		const explanation: Explanation = {
			symbol,
			from: {kernel: from.label, ...(from.crc === undefined ? {} : {crc: from.crc})},
			to: {kernel: to.label, ...(to.crc === undefined ? {} : {crc: to.crc})},
			method: 'btf',
			complete: false,
			paths: 'btf',
			changes: [],
		};
		if (from.crc !== undefined && from.crc === to.crc) this.notes.push(`${symbol} has the same CRC in both kernels: nothing to explain.`);
		const declA = this.declaration(this.a, from.label);
		const declB = this.declaration(this.b, to.label);
		if (declA === undefined || declB === undefined) {
			if (this.notes.length === 0 || declA === declB) this.notes.push('The symbol has no BTF declaration to compare (BTF describes functions and per-CPU variables only).');
			explanation.incomplete = `BTF does not describe ${symbol} (it records functions and per-CPU variables, not other global variables): nothing to compare`;
			explanation.notes = this.notes;
			return explanation;
		}

		this.compareRoot(declA, declB);
		for (let index = 0; index < this.nodes.length; index++) this.compareNode(index);
		this.resolvePending();
		const ranked = this.changes.sort((x, y) => x.depth - y.depth || x.node - y.node || x.bit - y.bit || x.order - y.order).map(entry => entry.change);
		explanation.changes = ranked;
		const types = new Set(ranked.map(change => change.type)).size;
		if (ranked.length === 0) {
			explanation.incomplete = 'no declaration reachable from the symbol differs in BTF: the CRC change comes from something BTF does not record (e.g. a type genksyms sees by another spelling, a macro-defined constant, or a changed attribute)';
		} else {
			explanation.incomplete = `BTF lists all ${ranked.length} declaration changes in ${types} types reachable from ${symbol}; genksyms hashed only the types the exporting file defines, so this is a superset of the causes, not checked against the CRCs`;
		}

		explanation.notes = this.notes;
		return explanation;
	}

	private declaration(btf: Btf, label: string): number | undefined {
		const symbol = this.input.symbol;
		const ids = btf.lookup(symbol, [BtfKind.Func, BtfKind.Var]);
		if (ids.length === 0) {
			this.notes.push(`${label}: no FUNC or VAR named ${symbol} in its BTF.`);
			return undefined;
		}

		const first = ids[0]!;
		if (btf.kind(first) === BtfKind.Func && btf.kind(btf.sizeOrType(first)) !== BtfKind.FuncProto) {
			throw new InputError(btf.file, `bad BTF: FUNC ${symbol} (type ${first}) does not point to a FUNC_PROTO`);
		}

		if (ids.length > 1) {
			const spellings = new Set(ids.map(id => cType(btf, id, symbol)));
			if (spellings.size > 1) this.notes.push(`${label}: ${ids.length} declarations named ${symbol}; compared the first (${[...spellings][0]!}).`);
		}

		return first;
	}

	// ---- the symbol -------------------------------------------------------------------------

	private compareRoot(declA: number, declB: number): void {
		const {a, b} = this;
		const symbol = this.input.symbol;
		const isFunc = a.kind(declA) === BtfKind.Func;
		const rootLabel = isFunc
			? cType(a, a.sizeOrType(declA), symbol).replace(/^.*?(?=\b[\w$]+\()/, '')
			: cType(a, declA, symbol);
		this.nodes.push({key: rootLabel, a: declA, b: declB, parent: -1, depth: 0});
		this.nodeByKey.set(rootLabel, 0);
		const owner: Owner = {node: 0, key: symbol, events: [], shifts: []};
		if (isFunc !== (b.kind(declB) === BtfKind.Func)) {
			this.add(owner, 'type_changed', undefined, cType(a, declA, symbol, {paramNames: true}), cType(b, declB, symbol, {paramNames: true}), 0);
			return;
		}

		const textA = cType(a, declA, symbol, {paramNames: true});
		const textB = cType(b, declB, symbol, {paramNames: true});
		const same = textA === textB;
		if (!same) this.add(owner, isFunc ? 'prototype_changed' : 'type_changed', undefined, textA, textB, 0);
		this.pairRefs(owner, typeRefs(a, declA), typeRefs(b, declB), same, '', 0);
	}

	// ---- named types ------------------------------------------------------------------------

	private enqueue(refA: number, refB: number, parent: number): void {
		const key = typeKey(this.a, refA);
		if (this.nodeByKey.has(key) || typeKey(this.b, refB) !== key) return;
		this.nodeByKey.set(key, this.nodes.length);
		this.nodes.push({key, a: refA, b: refB, parent, depth: this.nodes[parent]!.depth + 1});
	}

	private compareNode(index: number): void {
		if (index === 0) return;
		const node = this.nodes[index]!;
		const {a, b} = this;
		const owner: Owner = {node: index, key: node.key, events: [], shifts: []};
		const definedA = isDefined(a, node.a);
		const definedB = isDefined(b, node.b);
		if (definedA !== definedB) {
			const opaque = `${node.key} (declared only)`;
			const defined = (btf: Btf, id: number) => `${node.key} { ${btf.vlen(id)} ${btf.kind(id) === BtfKind.Enum || btf.kind(id) === BtfKind.Enum64 ? 'enumerators' : 'members'} }`;
			this.add(owner, definedA ? 'became_opaque' : 'became_defined', undefined, definedA ? defined(a, node.a) : opaque, definedB ? defined(b, node.b) : opaque, 0);
			return;
		}

		if (!definedA) return;
		const kind = a.kind(node.a);
		if (kind === BtfKind.Struct || kind === BtfKind.Union) {
			this.compareComposite(owner, node.a, node.b, '', 0, 0, 0);
			this.finishLayout(owner, typeSize(a, node.a), typeSize(b, node.b));
		} else if (kind === BtfKind.Enum || kind === BtfKind.Enum64) {
			this.compareEnum(owner, node.a, node.b, '');
		} else if (kind === BtfKind.Typedef) {
			this.compareTypedef(owner, node);
		}
	}

	private compareTypedef(owner: Owner, node: Node): void {
		const {a, b} = this;
		const targetA = a.sizeOrType(node.a);
		const targetB = b.sizeOrType(node.b);
		const name = a.name(node.a);
		const textA = cType(a, targetA, name);
		const textB = cType(b, targetB, name);
		const same = textA === textB;
		if (!same) this.add(owner, 'typedef_changed', undefined, `typedef ${textA}`, `typedef ${textB}`, 0);
		this.pairRefs(owner, typeRefs(a, targetA), typeRefs(b, targetB), same, '', 0);
		const embeddedA = embeddedComposite(a, targetA);
		if (embeddedA !== undefined && a.name(embeddedA) === '') this.finishLayout(owner, typeSize(a, targetA), typeSize(b, targetB));
	}

	/**
	Pair the types two spellings mention. Equal spellings have the same shape, so their
	references match by position; after a change, named ones still match by key.
	*/
	private pairRefs(owner: Owner, refsA: TypeRef[], refsB: TypeRef[], same: boolean, prefix: string, depth: number): void {
		if (same) {
			for (const [index, refA] of refsA.entries()) {
				const refB = refsB[index];
				if (!refB) break;
				if (refA.anonymous) this.compareAnonymous(owner, refA.id, refB.id, prefix || '(anonymous).', 0, 0, depth + 1);
				else this.enqueue(refA.id, refB.id, owner.node);
			}

			return;
		}

		const byKey = new Map<string, number>();
		for (const refB of refsB) if (!refB.anonymous) byKey.set(typeKey(this.b, refB.id), refB.id);
		for (const refA of refsA) {
			if (refA.anonymous) continue;
			const refB = byKey.get(typeKey(this.a, refA.id));
			if (refB !== undefined) this.enqueue(refA.id, refB, owner.node);
		}
	}

	private compareAnonymous(owner: Owner, idA: number, idB: number, prefix: string, baseA: number, baseB: number, depth: number): void {
		const kindA = this.a.kind(idA);
		const kindB = this.b.kind(idB);
		const composite = (kind: number) => kind === BtfKind.Struct || kind === BtfKind.Union;
		const enumeration = (kind: number) => kind === BtfKind.Enum || kind === BtfKind.Enum64;
		if (composite(kindA) && composite(kindB)) this.compareComposite(owner, idA, idB, prefix, baseA, baseB, depth);
		else if (enumeration(kindA) && enumeration(kindB)) this.compareEnum(owner, idA, idB, prefix);
	}

	// ---- structs and unions ----------------------------------------------------------------

	private compareComposite(owner: Owner, idA: number, idB: number, prefix: string, baseA: number, baseB: number, depth: number): void {
		if (depth > maxInlineDepth) throw new InputError(this.a.file, `bad BTF: anonymous types nested deeper than ${maxInlineDepth} under ${owner.key} (cycle?)`);
		const {a, b} = this;
		const match = matchMembers(a, a.members(idA), b, b.members(idB));
		const {membersA, membersB} = match;
		this.reportWrapped(owner, idA, match, prefix, baseB);
		this.reportRenamed(owner, match, prefix, baseB);
		for (const indexA of match.removed) {
			const member = membersA[indexA]!;
			this.add(owner, 'member_removed', prefix + (member.name || '(anonymous)'), memberDecl(a, member), undefined, baseA + member.bitOffset);
		}

		for (const indexB of match.added) {
			const member = membersB[indexB]!;
			this.add(owner, 'member_added', prefix + (member.name || '(anonymous)'), undefined, memberDecl(b, member), baseB + member.bitOffset);
		}

		match.pairs.sort((x, y) => x[1] - y[1]);
		for (const [indexA, indexB] of match.pairs) this.compareMember(owner, membersA[indexA]!, membersB[indexB]!, prefix, baseA, baseB, depth);
	}

	/** Members wrapped into a new anonymous union/struct (`x` → `union { x; y; }`): the news is `y`. Takes them out of `match`. */
	private reportWrapped(owner: Owner, idA: number, match: MemberMatch, prefix: string, baseB: number): void {
		const {a, b} = this;
		const {membersA, membersB, removed, added} = match;
		const namesA = flatNames(a, idA);
		for (const indexB of [...added]) {
			const memberB = membersB[indexB]!;
			if (memberB.name) continue;
			const inside = flatNames(b, memberB.type);
			const absorbed = removed.filter(indexA => membersA[indexA]!.name !== '' && inside.has(membersA[indexA]!.name));
			if (absorbed.length === 0) continue;
			added.splice(added.indexOf(indexB), 1);
			for (const indexA of absorbed) removed.splice(removed.indexOf(indexA), 1);
			const before = absorbed.map(indexA => memberDecl(a, membersA[indexA]!)).join('; ');
			const after = memberDecl(b, memberB);
			const fresh = [...inside].filter(name => !namesA.has(name));
			const bit = baseB + memberB.bitOffset;
			if (fresh.length === 0) this.add(owner, 'member_type_changed', prefix + membersA[absorbed[0]!]!.name, before, after, bit);
			for (const name of fresh) this.add(owner, 'member_added', `${prefix}(anonymous).${name}`, before, after, bit);
		}
	}

	/** A member removed and one added at the same place with the same type is a rename. Takes them out of `match`. */
	private reportRenamed(owner: Owner, match: MemberMatch, prefix: string, baseB: number): void {
		const {a, b} = this;
		const {membersA, membersB, removed, added} = match;
		for (const indexA of [...removed]) {
			const memberA = membersA[indexA]!;
			if (!memberA.name) continue;
			const spelling = memberType(a, memberA);
			const at = added.findIndex(indexB => {
				const memberB = membersB[indexB]!;
				return memberB.name !== '' && memberB.bitOffset === memberA.bitOffset && memberType(b, memberB) === spelling;
			});
			if (at < 0) continue;
			const memberB = membersB[added[at]!]!;
			added.splice(at, 1);
			removed.splice(removed.indexOf(indexA), 1);
			this.add(owner, 'member_renamed', prefix + memberA.name, memberDecl(a, memberA), memberDecl(b, memberB), baseB + memberB.bitOffset);
		}
	}

	private compareMember(owner: Owner, memberA: BtfMember, memberB: BtfMember, prefix: string, baseA: number, baseB: number, depth: number): void {
		const {a, b} = this;
		const label = prefix + (memberA.name || '(anonymous)');
		if (memberA.bitOffset !== memberB.bitOffset) owner.shifts.push({bit: baseB + memberB.bitOffset, member: label, from: memberA.bitOffset, to: memberB.bitOffset});
		if (!memberA.name) {
			// An anonymous struct/union member is expanded in place, as genksyms does.
			this.compareAnonymous(owner, memberA.type, memberB.type, `${label}.`, baseA + memberA.bitOffset, baseB + memberB.bitOffset, depth + 1);
			return;
		}

		const spellingA = memberType(a, memberA);
		const spellingB = memberType(b, memberB);
		const same = spellingA === spellingB;
		if (!same) this.add(owner, 'member_type_changed', label, memberDecl(a, memberA), memberDecl(b, memberB), baseB + memberB.bitOffset);

		// An embedded struct that grew moves what follows; its own cause is found when it is compared.
		const embeddedA = embeddedComposite(a, memberA.type);
		const embeddedB = embeddedComposite(b, memberB.type);
		if (same && embeddedA !== undefined && embeddedB !== undefined && a.name(embeddedA) !== '' && typeSize(a, memberA.type) !== typeSize(b, memberB.type)) {
			owner.events.push({bit: baseB + memberB.bitOffset, embedded: typeKey(a, embeddedA)});
		}

		if (same) {
			const refsA = typeRefs(a, memberA.type);
			const refsB = typeRefs(b, memberB.type);
			const inline = embeddedA !== undefined && a.name(embeddedA) === '';
			for (const [index, refA] of refsA.entries()) {
				const refB = refsB[index];
				if (!refB) break;
				if (refA.anonymous) {
					this.compareAnonymous(owner, refA.id, refB.id, `${label}.`, inline ? baseA + memberA.bitOffset : baseA, inline ? baseB + memberB.bitOffset : baseB, depth + 1);
				} else {
					this.enqueue(refA.id, refB.id, owner.node);
				}
			}
		} else {
			this.pairRefs(owner, typeRefs(a, memberA.type), typeRefs(b, memberB.type), false, `${label}.`, depth);
		}
	}

	/** Attach offset and size shifts of one struct to the change before them that explains them. */
	private finishLayout(owner: Owner, sizeA: number | undefined, sizeB: number | undefined): void {
		const sizeText = sizeA !== undefined && sizeB !== undefined && sizeA !== sizeB ? `${owner.key}: size ${sizeA} → ${sizeB} bytes` : undefined;
		if (owner.shifts.length === 0 && !sizeText) return;
		if (owner.events.length === 0) {
			// No member of its own changed and nothing embedded grew: say what BTF shows.
			const change = this.add(owner, 'definition_changed', undefined, sizeA === undefined ? undefined : `${sizeA} bytes`, sizeB === undefined ? undefined : `${sizeB} bytes`, 0);
			owner.events.pop();
			change.consequences = [...(sizeText ? [sizeText] : []), ...describeShifts(owner.key, owner.shifts)];
			return;
		}

		const events = owner.events.sort((x, y) => x.bit - y.bit);
		const groups = new Map<LayoutEvent, Shift[]>();
		for (const shift of owner.shifts) {
			let target = events[0]!;
			for (const event of events) if (event.bit <= shift.bit) target = event;
			const list = groups.get(target) ?? [];
			list.push(shift);
			groups.set(target, list);
		}

		const first = events[0]!;
		if (sizeText && !groups.has(first)) groups.set(first, []);
		for (const [event, shifts] of groups) {
			const texts = [...(event === first && sizeText ? [sizeText] : []), ...describeShifts(owner.key, shifts)];
			if (event.change) {
				appendAll(event.change.consequences ??= [], texts);
			} else if (event.embedded) {
				this.pending.push({key: event.embedded, texts});
				const list = this.embeddedTargets.get(owner.key) ?? [];
				list.push({key: event.embedded, texts: []});
				this.embeddedTargets.set(owner.key, list);
			}
		}
	}

	/** Give consequences of a grown embedded type to that type's first cause (or its own embedded one). */
	private resolvePending(): void {
		const firstChange = (key: string, seen: Set<string>): TypeChange | undefined => {
			if (seen.has(key)) return undefined;
			seen.add(key);
			const own = this.changes.find(entry => entry.change.type === key);
			if (own) return own.change;
			for (const target of this.embeddedTargets.get(key) ?? []) {
				const found = firstChange(target.key, seen);
				if (found) return found;
			}

			return undefined;
		};

		for (const {key, texts} of this.pending) {
			let change = firstChange(key, new Set());
			if (!change) {
				const index = this.nodeByKey.get(key);
				const owner: Owner = {node: index ?? 0, key, events: [], shifts: []};
				change = this.add(owner, 'definition_changed', undefined, undefined, undefined, 0);
			}

			appendAll(change.consequences ??= [], texts);
		}
	}

	// ---- enums ------------------------------------------------------------------------------

	private compareEnum(owner: Owner, idA: number, idB: number, prefix: string): void {
		const listA = this.a.enumerators(idA);
		const listB = this.b.enumerators(idB);
		const valuesA = new Map(listA.map((entry, index) => [entry.name, {value: entry.value, index}]));
		const valuesB = new Map(listB.map((entry, index) => [entry.name, {value: entry.value, index}]));
		const structural: Array<{indexA: number; indexB: number; change: TypeChange}> = [];
		for (const [index, entry] of listA.entries()) {
			if (valuesB.has(entry.name)) continue;
			const change = this.add(owner, 'enumerator_removed', prefix + entry.name, `${entry.name} = ${entry.value}`, undefined, 0);
			owner.events.pop();
			structural.push({indexA: index, indexB: -1, change});
		}

		for (const [index, entry] of listB.entries()) {
			if (valuesA.has(entry.name)) continue;
			const change = this.add(owner, 'enumerator_added', prefix + entry.name, undefined, `${entry.name} = ${entry.value}`, 0);
			owner.events.pop();
			structural.push({indexA: -1, indexB: index, change});
		}

		// An implicit value (previous + 1 in both kernels) that changed only follows an earlier change.
		const removedBefore = new Map<number, TypeChange[]>();
		for (const entry of structural) {
			if (entry.indexA < 0) continue;
			const next = listA.slice(entry.indexA + 1).find(e => valuesB.has(e.name));
			const at = next ? valuesB.get(next.name)!.index : listB.length;
			removedBefore.set(at, [...(removedBefore.get(at) ?? []), entry.change]);
		}

		const addedAt = new Map(structural.filter(entry => entry.indexB >= 0).map(entry => [entry.indexB, entry.change]));
		const shifted = new Map<TypeChange, string[]>();
		let lastCause: TypeChange | undefined;
		for (const [indexB, entry] of listB.entries()) {
			lastCause = removedBefore.get(indexB)?.at(-1) ?? lastCause;
			const added = addedAt.get(indexB);
			if (added) {
				lastCause = added;
				continue;
			}

			const before = valuesA.get(entry.name)!;
			if (before.value === entry.value) continue;
			const previousA = listA[before.index - 1];
			const previousB = listB[indexB - 1];
			const implicit = previousA !== undefined && previousB !== undefined && before.value === previousA.value + 1n && entry.value === previousB.value + 1n;
			if (implicit && lastCause) {
				const list = shifted.get(lastCause) ?? [];
				list.push(`${entry.name} ${before.value} → ${entry.value}`);
				shifted.set(lastCause, list);
			} else {
				lastCause = this.add(owner, 'enumerator_value_changed', prefix + entry.name, `${entry.name} = ${before.value}`, `${entry.name} = ${entry.value}`, 0);
				owner.events.pop();
			}
		}

		for (const [cause, texts] of shifted) {
			const shown = texts.slice(0, listedShifts).join(', ');
			(cause.consequences ??= []).push(`${owner.key}: values renumber: ${shown}${texts.length > listedShifts ? ` and ${texts.length - listedShifts} more` : ''}`);
		}
	}

	// ---- results ----------------------------------------------------------------------------

	private add(owner: Owner, kind: TypeChangeKind, member: string | undefined, before: string | undefined, after: string | undefined, bit: number): TypeChange {
		const change: TypeChange = {
			type: owner.key,
			kind,
			...(member === undefined ? {} : {member}),
			...(before === undefined ? {} : {before}),
			...(after === undefined ? {} : {after}),
			path: this.path(owner.node),
		};
		this.changes.push({change, depth: this.nodes[owner.node]?.depth ?? 0, node: owner.node, bit, order: this.changes.length});
		owner.events.push({bit, change});
		return change;
	}

	private path(index: number): string[] {
		const path: string[] = [];
		for (let at = index; at >= 0; at = this.nodes[at]!.parent) path.push(this.nodes[at]!.key);
		return path.reverse();
	}
}

/** The members of two versions of a composite, and how they pair up (indexes into each list). */
type MemberMatch = {membersA: BtfMember[]; membersB: BtfMember[]; pairs: Array<[number, number]>; removed: number[]; added: number[]};

/** Named members pair by name, anonymous ones by the member names they hold; the rest were removed or added. */
function matchMembers(a: Btf, membersA: BtfMember[], b: Btf, membersB: BtfMember[]): MemberMatch {
	const pairs: Array<[number, number]> = [];
	const matchedB = new Set<number>();
	const removed: number[] = [];
	const indexB = new Map<string, number>();
	for (const [index, member] of membersB.entries()) if (member.name && !indexB.has(member.name)) indexB.set(member.name, index);
	const anonymousA: number[] = [];
	for (const [index, member] of membersA.entries()) {
		if (!member.name) {
			anonymousA.push(index);
			continue;
		}

		const match = indexB.get(member.name);
		if (match === undefined || matchedB.has(match)) {
			removed.push(index);
		} else {
			pairs.push([index, match]);
			matchedB.add(match);
		}
	}

	const anonymousB = membersB.flatMap((member, index) => (member.name ? [] : [index]));
	const namesB = new Map(anonymousB.map(index => [index, flatNames(b, membersB[index]!.type)]));
	for (const [ordinal, indexA] of anonymousA.entries()) {
		const best = anonymousPartner(flatNames(a, membersA[indexA]!.type), ordinal, anonymousB, namesB, matchedB);
		if (best === undefined) {
			removed.push(indexA);
		} else {
			pairs.push([indexA, best]);
			matchedB.add(best);
		}
	}

	const added = membersB.flatMap((_, index) => (matchedB.has(index) ? [] : [index]));
	return {membersA, membersB, pairs, removed, added};
}

/**
Anonymous members have no name: the unmatched one of B that shares most member names with
`names`, else (when neither holds a name) the one at the same position among the anonymous.
*/
function anonymousPartner(names: Set<string>, ordinal: number, anonymousB: number[], namesB: Map<number, Set<string>>, matchedB: Set<number>): number | undefined {
	let best: number | undefined;
	let bestScore = 0;
	for (const indexB of anonymousB) {
		if (matchedB.has(indexB)) continue;
		let score = 0;
		for (const name of namesB.get(indexB)!) if (names.has(name)) score++;
		if (score > bestScore) {
			best = indexB;
			bestScore = score;
		}
	}

	if (best === undefined) {
		const byOrder = anonymousB[ordinal];
		if (byOrder !== undefined && !matchedB.has(byOrder) && namesB.get(byOrder)!.size === 0 && names.size === 0) best = byOrder;
	}

	return best;
}

function isDefined(btf: Btf, id: number): boolean {
	switch (btf.kind(id)) {
		case BtfKind.Fwd: {
			return false;
		}

		case BtfKind.Enum:
		case BtfKind.Enum64: {
			// C has no empty enums: vlen 0 is how BTF spells a forward-declared one.
			return btf.vlen(id) > 0;
		}

		default: {
			return true;
		}
	}
}

function memberType(btf: Btf, member: BtfMember): string {
	return cType(btf, member.type) + (member.bitfieldSize ? `:${member.bitfieldSize}` : '');
}

/** A member as C declares it; an anonymous struct/union is spelled out so that the reader sees it. */
function memberDecl(btf: Btf, member: BtfMember, depth = 0): string {
	const kind = btf.kind(member.type);
	if (!member.name && (kind === BtfKind.Struct || kind === BtfKind.Union) && depth < 4) {
		const inner = btf.members(member.type).map(m => memberDecl(btf, m, depth + 1));
		const shown = inner.length > 8 ? [...inner.slice(0, 8), '...'] : inner;
		return `${kind === BtfKind.Struct ? 'struct' : 'union'} { ${shown.join('; ')}; }`;
	}

	return cType(btf, member.type, member.name) + (member.bitfieldSize ? `:${member.bitfieldSize}` : '');
}

/** Names of a composite's members, looking through anonymous members (to pair anonymous ones). */
function flatNames(btf: Btf, id: number, out = new Set<string>(), depth = 0): Set<string> {
	const kind = btf.kind(id);
	if (depth > maxInlineDepth || (kind !== BtfKind.Struct && kind !== BtfKind.Union)) return out;
	for (const member of btf.members(id)) {
		if (member.name) out.add(member.name);
		else flatNames(btf, member.type, out, depth + 1);
	}

	return out;
}

function describeShifts(ownerKey: string, shifts: Shift[]): string[] {
	const byDelta = new Map<number, Shift[]>();
	for (const shift of shifts) {
		const delta = shift.to - shift.from;
		const list = byDelta.get(delta) ?? [];
		list.push(shift);
		byDelta.set(delta, list);
	}

	return [...byDelta].map(([delta, list]) => {
		const amount = delta % 8 === 0 ? `${delta > 0 ? '+' : ''}${delta / 8} bytes` : `${delta > 0 ? '+' : ''}${delta} bits`;
		const names = list.slice(0, listedShifts).map(shift => shift.member).join(', ');
		const more = list.length > listedShifts ? ` and ${list.length - listedShifts} more` : '';
		return `${ownerKey}: ${list.length === 1 ? 'member' : `${list.length} members`} ${names}${more} move ${amount}`;
	});
}
