import {InputError} from '../common/input-error.js';
import {type Btf} from './btf.js';
import {BtfKind} from './btf-kind.js';

/*
C spelling of BTF types (`unsigned int`, `struct foo *`, `int (*)(struct x *)`, `char [16]`).
Named structs, unions, enums and typedefs stop the walk, as in a C declaration; anonymous ones are
written `struct {...}` and compared by the caller member by member.
*/

/** Modifier chains in real BTF are a handful of links; anything longer is a cycle. */
const maxChain = 64;

export type CTypeOptions = {
	/** Write parameter names of function prototypes (the symbol's own declaration). */
	paramNames?: boolean;
};

function chainError(btf: Btf, id: number): InputError {
	return new InputError(btf.file, `bad BTF: type ${id} starts a reference chain that is too deep or cyclic`);
}

const nodeKinds = new Set<number>([BtfKind.Struct, BtfKind.Union, BtfKind.Enum, BtfKind.Enum64, BtfKind.Fwd, BtfKind.Typedef]);

/** Struct, union, enum, forward declaration or typedef: the nodes of the type graph. */
export function isNodeKind(btf: Btf, id: number): boolean {
	return nodeKinds.has(btf.kind(id));
}

/** "struct foo", "union bar", "enum baz", "typedef qux"; a FWD spells like what it declares. */
export function typeKey(btf: Btf, id: number): string {
	const name = btf.name(id);
	switch (btf.kind(id)) {
		case BtfKind.Struct: {
			return `struct ${name}`;
		}

		case BtfKind.Union: {
			return `union ${name}`;
		}

		case BtfKind.Fwd: {
			return `${btf.kindFlag(id) ? 'union' : 'struct'} ${name}`;
		}

		case BtfKind.Enum:
		case BtfKind.Enum64: {
			return `enum ${name}`;
		}

		case BtfKind.Typedef: {
			return `typedef ${name}`;
		}

		default: {
			return name;
		}
	}
}

/** DWARF spells base types compiler-style ("long unsigned int"); show them as sources do. */
const intNames: Record<string, string> = {
	'long unsigned int': 'unsigned long',
	'long int': 'long',
	'long long unsigned int': 'unsigned long long',
	'long long int': 'long long',
	'short unsigned int': 'unsigned short',
	'short int': 'short',
	_Bool: 'bool',
};

const wrap = (base: string, inner: string) => (inner ? `${base} ${inner}` : base);
const parenthesize = (inner: string) => (inner.startsWith('*') ? `(${inner})` : inner);

/** The C spelling of type `id` around declarator `inner` (a name, or '' for an abstract type). */
export function cType(btf: Btf, id: number, inner = '', options: CTypeOptions = {}, depth = 0): string {
	if (depth > maxChain) throw chainError(btf, id);
	const next = (target: number, text: string) => cType(btf, target, text, options, depth + 1);
	switch (btf.kind(id)) {
		case BtfKind.Unknown: {
			return wrap('void', inner);
		}

		case BtfKind.Int: {
			return wrap(intNames[btf.name(id)] ?? btf.name(id), inner);
		}

		case BtfKind.Float:
		case BtfKind.Typedef: {
			return wrap(btf.name(id), inner);
		}

		case BtfKind.Struct:
		case BtfKind.Union:
		case BtfKind.Enum:
		case BtfKind.Enum64:
		case BtfKind.Fwd: {
			const name = btf.name(id);
			const tag = typeKey(btf, id).split(' ')[0]!;
			return wrap(name ? `${tag} ${name}` : `${tag} {...}`, inner);
		}

		case BtfKind.Ptr: {
			return next(btf.sizeOrType(id), `*${inner}`);
		}

		case BtfKind.Const:
		case BtfKind.Volatile:
		case BtfKind.Restrict: {
			const qualifier = btf.kind(id) === BtfKind.Const ? 'const' : (btf.kind(id) === BtfKind.Volatile ? 'volatile' : 'restrict');
			const target = btf.sizeOrType(id);
			// A qualified pointer keeps the qualifier right of the star: `char *const p`.
			if (btf.kind(target) === BtfKind.Ptr) return next(target, inner ? `${qualifier} ${inner}` : qualifier);
			return `${qualifier} ${next(target, inner)}`;
		}

		case BtfKind.TypeTag: {
			// Type tags (__user, __rcu) are annotations for the verifier, not part of the C declaration.
			return next(btf.sizeOrType(id), inner);
		}

		case BtfKind.Array: {
			const array = btf.array(id);
			return next(array.type, `${parenthesize(inner)}[${array.nelems}]`);
		}

		case BtfKind.FuncProto: {
			const params = btf.params(id);
			let list: string;
			if (params.length === 0) {
				list = 'void';
			} else {
				list = params
					.map((p, index) => (p.type === 0 && index === params.length - 1 ? '...' : cType(btf, p.type, options.paramNames ? p.name : '', {}, depth + 1)))
					.join(', ');
			}

			return next(btf.sizeOrType(id), `${parenthesize(inner)}(${list})`);
		}

		case BtfKind.Func:
		case BtfKind.Var: {
			return next(btf.sizeOrType(id), inner);
		}

		default: {
			throw new InputError(btf.file, `bad BTF: type ${id} (kind ${btf.kind(id)}) cannot appear in a declaration`);
		}
	}
}

export type TypeRef = {id: number; anonymous: boolean};

/**
The struct/union/enum/typedef nodes a type expression mentions, in spelling order: named ones
end the walk, anonymous ones are listed for the caller to expand.
*/
export function typeRefs(btf: Btf, id: number, out: TypeRef[] = [], depth = 0): TypeRef[] {
	if (depth > maxChain) throw chainError(btf, id);
	if (isNodeKind(btf, id)) {
		out.push({id, anonymous: btf.name(id) === ''});
		return out;
	}

	switch (btf.kind(id)) {
		case BtfKind.Ptr:
		case BtfKind.Const:
		case BtfKind.Volatile:
		case BtfKind.Restrict:
		case BtfKind.TypeTag:
		case BtfKind.Func:
		case BtfKind.Var: {
			typeRefs(btf, btf.sizeOrType(id), out, depth + 1);
			break;
		}

		case BtfKind.Array: {
			typeRefs(btf, btf.array(id).type, out, depth + 1);
			break;
		}

		case BtfKind.FuncProto: {
			typeRefs(btf, btf.sizeOrType(id), out, depth + 1);
			for (const p of btf.params(id)) typeRefs(btf, p.type, out, depth + 1);
			break;
		}

		default: {
			break;
		}
	}

	return out;
}

/**
The struct/union a member embeds by value (through typedefs, qualifiers and arrays), whose
size change moves the members after it; undefined for pointers and scalars.
*/
export function embeddedComposite(btf: Btf, id: number, depth = 0): number | undefined {
	if (depth > maxChain) throw chainError(btf, id);
	switch (btf.kind(id)) {
		case BtfKind.Struct:
		case BtfKind.Union: {
			return id;
		}

		case BtfKind.Typedef: {
			// A typedef of an anonymous struct is itself the named node.
			const target = embeddedComposite(btf, btf.sizeOrType(id), depth + 1);
			return target !== undefined && btf.name(target) === '' ? id : target;
		}

		case BtfKind.Const:
		case BtfKind.Volatile:
		case BtfKind.Restrict:
		case BtfKind.TypeTag: {
			return embeddedComposite(btf, btf.sizeOrType(id), depth + 1);
		}

		case BtfKind.Array: {
			return embeddedComposite(btf, btf.array(id).type, depth + 1);
		}

		default: {
			return undefined;
		}
	}
}

/** Byte size of a type (for struct size comparison); undefined where BTF gives none. */
export function typeSize(btf: Btf, id: number, depth = 0): number | undefined {
	if (depth > maxChain) throw chainError(btf, id);
	switch (btf.kind(id)) {
		case BtfKind.Int:
		case BtfKind.Struct:
		case BtfKind.Union:
		case BtfKind.Enum:
		case BtfKind.Enum64:
		case BtfKind.Float: {
			return btf.sizeOrType(id);
		}

		case BtfKind.Typedef:
		case BtfKind.Const:
		case BtfKind.Volatile:
		case BtfKind.Restrict:
		case BtfKind.TypeTag: {
			return typeSize(btf, btf.sizeOrType(id), depth + 1);
		}

		case BtfKind.Array: {
			const array = btf.array(id);
			const element = typeSize(btf, array.type, depth + 1);
			return element === undefined ? undefined : element * array.nelems;
		}

		case BtfKind.Ptr: {
			return undefined;
		}

		default: {
			return undefined;
		}
	}
}
