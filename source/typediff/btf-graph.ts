import type {Btf} from '../btf/btf.js';
import {cType, isNodeKind, typeKey, typeRefs} from '../btf/btf-c-type.js';
import {BtfKind} from '../btf/btf-kind.js';
import {appendAll} from '../common/arrays.js';

/*
One kernel's BTF as a graph of named types, for a whole-kernel comparison: each struct, union,
enum and typedef once by its C name ("struct task_struct"), its own definition as a short text
(members by name and type name, enumerators, typedef target; anonymous parts inline), and the
named types that definition mentions. Exported functions and variables point at the named types
of their declaration. Layout (offsets, sizes) is left out: genksyms does not hash it.
*/

export type TypeDefinition = {
	/** "struct foo { int a; struct bar *b; }", or "struct foo;" when only declared. */
	text: string;
	/** Member or enumerator lines, for a diff by name. */
	items: Array<{name: string; text: string}>;
	references: string[];
};

export type BtfGraph = {
	types: Map<string, TypeDefinition>;
	/** Exported symbol (FUNC or VAR) → the named types its declaration mentions. */
	symbols: Map<string, string[]>;
	/** Exported symbol → its own declaration as C ("bool f(struct sk_buff *)"): a changed prototype is a cause of its own. */
	declarations: Map<string, string>;
};

// Anonymous nesting deeper than this is refused as bad BTF elsewhere; here it only stops the walk.
const maximumAnonymousDepth = 32;

export function btfGraph(btf: Btf): BtfGraph {
	const types = new Map<string, TypeDefinition>();
	const symbols = new Map<string, string[]>();
	const declarations = new Map<string, string>();
	for (let id = btf.startId; id <= btf.lastId; id++) {
		const kind = btf.kind(id);
		if (isNodeKind(btf, id) && btf.name(id) !== '') {
			const key = typeKey(btf, id);
			const existing = types.get(key);
			// Several BTF types may share a name (a FWD and the definition, or duplicates from
			// other units): the definition wins.
			if (!existing || (existing.text.endsWith(';') && !existing.text.includes('{') && kind !== BtfKind.Fwd)) {
				types.set(key, definition(btf, id));
			}
		} else if ((kind === BtfKind.Func || kind === BtfKind.Var) && !symbols.has(btf.name(id))) {
			const references = new Set<string>();
			mentions(btf, btf.sizeOrType(id), references, 0);
			symbols.set(btf.name(id), [...references]);
			declarations.set(btf.name(id), cType(btf, btf.sizeOrType(id), btf.name(id)));
		}
	}

	return {types, symbols, declarations};
}

function definition(btf: Btf, id: number): TypeDefinition {
	const key = typeKey(btf, id);
	const references = new Set<string>();
	const kind = btf.kind(id);
	if (kind === BtfKind.Fwd) {
		return {text: `${key};`, items: [], references: []};
	}

	if (kind === BtfKind.Typedef) {
		mentions(btf, btf.sizeOrType(id), references, 0);
		const text = `typedef ${cType(btf, btf.sizeOrType(id), btf.name(id))}`;
		return {text, items: [{name: btf.name(id), text}], references: [...references]};
	}

	const items = kind === BtfKind.Enum || kind === BtfKind.Enum64
		? btf.enumerators(id).map(item => ({name: item.name, text: `${item.name} = ${item.value}`}))
		: memberItems(btf, id, '', references, 0);
	return {text: `${key} { ${items.map(item => item.text).join('; ')} }`, items, references: [...references]};
}

/** Members by name; an anonymous struct/union member's own members are listed under `(anonymous).`. */
function memberItems(btf: Btf, id: number, prefix: string, references: Set<string>, depth: number): Array<{name: string; text: string}> {
	const items: Array<{name: string; text: string}> = [];
	for (const member of btf.members(id)) {
		const inner = anonymousComposite(btf, member.type);
		if (member.name === '' && inner !== undefined && depth < maximumAnonymousDepth) {
			appendAll(items, memberItems(btf, inner, `${prefix}(anonymous).`, references, depth + 1));
			continue;
		}

		mentions(btf, member.type, references, 0);
		const bits = member.bitfieldSize > 0 ? `:${member.bitfieldSize}` : '';
		items.push({name: `${prefix}${member.name}`, text: `${cType(btf, member.type, member.name)}${bits}`});
	}

	return items;
}

function anonymousComposite(btf: Btf, id: number): number | undefined {
	const kind = btf.kind(id);
	return (kind === BtfKind.Struct || kind === BtfKind.Union) && btf.name(id) === '' ? id : undefined;
}

/** The named types a type expression mentions: typeRefs() through pointers, arrays and prototypes, then into anonymous types. */
function mentions(btf: Btf, id: number, out: Set<string>, depth: number): void {
	if (depth > maximumAnonymousDepth || id === 0) {
		return;
	}

	for (const reference of typeRefs(btf, id)) {
		if (!reference.anonymous) {
			out.add(typeKey(btf, reference.id));
		} else if (btf.kind(reference.id) === BtfKind.Typedef) {
			mentions(btf, btf.sizeOrType(reference.id), out, depth + 1);
		} else if (btf.kind(reference.id) === BtfKind.Struct || btf.kind(reference.id) === BtfKind.Union) {
			for (const member of btf.members(reference.id)) {
				mentions(btf, member.type, out, depth + 1);
			}
		}
	}
}
