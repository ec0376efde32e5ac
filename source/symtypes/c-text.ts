/**
Turning genksyms tokens back into something a C programmer reads: members of a struct
body, enumerators, and `unsigned int user_dumpable:1;` instead of `unsigned int user_dumpable : 1 ;`.
*/
import {parseReference, tagKeywords} from './symtypes-index.js';

export type Member = {
	/** Unique within its definition: the member name with its path through nested aggregates. */
	key: string;
	name: string | undefined;
	/** The member's declaration as C, e.g. `u64 futex_unique_id;`. */
	text: string;
};

export type Enumerator = {name: string; text: string};

const keywords = new Set([
	'void', 'char', 'short', 'int', 'long', 'float', 'double', 'signed', 'unsigned', '_Bool', '_Complex',
	'const', 'volatile', 'restrict', '__restrict', '__restrict__', '__const', '__volatile__', 'struct', 'union',
	'enum', 'static', 'extern', 'inline', '__inline', '__inline__', 'register', 'auto', 'typedef', '__extension__',
	'__signed__', '__signed', '_Atomic', '__int128', '__seg_gs', '__seg_fs', 'sizeof', 'UNKNOWN',
]);
// Followed by a parenthesised argument that never holds the declared name.
const skipWithArguments = new Set([
	'__attribute__', '__attribute', 'typeof', '__typeof__', '__typeof', 'asm', '__asm__', '__asm', '_Alignas', 'alignas',
]);
const qualifiers = new Set(['*', 'const', 'volatile', 'restrict', '__restrict', '__restrict__']);
const identifier = /^[A-Za-z_$][\w$]*$/;
const opening: Record<string, string> = {'(': ')', '[': ']', '{': '}'};

/** Readable C for a token list: references become `struct foo` / `foo`, punctuation is tightened. */
export function renderC(tokens: readonly string[]): string {
	let text = '';
	let previous: string | undefined;
	let previousIsType = false;
	for (const token of tokens) {
		const reference = parseReference(token);
		const keyword = reference ? tagKeywords[reference.tag] : undefined;
		const word = reference ? (keyword ? `${keyword} ${reference.name}` : reference.name) : token;
		if (previous !== undefined && !tight(previous, previousIsType, word)) {
			text += ' ';
		}

		text += word;
		previous = word;
		previousIsType = Boolean(reference && reference.tag !== 'E') || keywords.has(word);
	}

	return text;
}

function tight(previous: string, previousIsType: boolean, word: string): boolean {
	if (word === ';' || word === ',' || word === ')' || word === ']' || word === '[') {
		return true;
	}

	if (previous === '(' || previous === '[' || previous === '*' || previous === ':' || word === ':') {
		return true;
	}

	// `f(`, `__attribute__((`, `)(` but `int (*fn)`.
	return word === '(' && (previous === ')' || (identifier.test(previous) && !previousIsType));
}

export function isUnknown(tokens: readonly string[]): boolean {
	return tokens.length === 5 && tokens[2] === '{' && tokens[3] === 'UNKNOWN' && tokens[4] === '}';
}

/** The tokens between the first top-level `{` and its `}`, or undefined (no body). */
export function body(tokens: readonly string[]): {start: number; end: number} | undefined {
	const start = tokens.indexOf('{');
	if (start === -1) {
		return undefined;
	}

	const end = matching(tokens, start);
	return end === -1 ? undefined : {start: start + 1, end};
}

/** Members of a struct/union body, nested anonymous aggregates flattened as `(anonymous).name`. */
export function structMembers(tokens: readonly string[]): Member[] | undefined {
	const range = body(tokens);
	if (!range) {
		return undefined;
	}

	const members: Member[] = [];
	collectMembers(tokens.slice(range.start, range.end), '', members);
	// Unnamed members (padding bit-fields) may repeat: number repeats to keep keys unique.
	const seen = new Map<string, number>();
	for (const member of members) {
		const count = seen.get(member.key) ?? 0;
		seen.set(member.key, count + 1);
		if (count > 0) {
			member.key += `#${count + 1}`;
		}
	}

	return members;
}

/** Nested anonymous aggregates deeper than this are listed as one member (hostile input; real code nests a few). */
const maxNesting = 32;

function collectMembers(tokens: readonly string[], prefix: string, members: Member[], depth = 0) {
	for (const declaration of splitTopLevel(tokens, ';')) {
		if (declaration.length === 0) {
			continue;
		}

		const brace = indexAtTopLevel(declaration, '{');
		const aggregate = brace === -1 || depth >= maxNesting ? undefined : declaration.slice(0, brace).find(token => token === 'struct' || token === 'union');
		if (aggregate) {
			const close = matching(declaration, brace);
			const inner = declaration.slice(brace + 1, close === -1 ? declaration.length : close);
			const declarators = splitTopLevel(declaration.slice(close + 1), ',').filter(part => declaratorName(part));
			if (declarators.length === 0) {
				collectMembers(inner, `${prefix}(anonymous).`, members, depth + 1);
			}

			for (const declarator of declarators) {
				collectMembers(inner, `${prefix}${declaratorName(declarator)!.name}.`, members, depth + 1);
			}

			continue;
		}

		const declarators = splitTopLevel(declaration, ',');
		const first = declarators[0]!;
		const firstName = declaratorName(first);
		const specifiers = firstName ? first.slice(0, firstName.start) : first;
		for (const [index, declarator] of declarators.entries()) {
			const memberTokens = index === 0 ? declarator : [...specifiers, ...declarator];
			const name = index === 0 ? firstName?.name : declaratorName(declarator)?.name;
			const text = renderC(memberTokens) + ';';
			members.push({key: prefix + (name ?? `(unnamed ${text})`), name, text});
		}
	}
}

/** Enumerators of an enum body: `A`, `B = 1 << 2`. */
export function enumerators(tokens: readonly string[]): Enumerator[] | undefined {
	const range = body(tokens);
	if (!range) {
		return undefined;
	}

	return splitTopLevel(tokens.slice(range.start, range.end), ',')
		.filter(part => part.length > 0)
		.map(part => ({name: part[0]!, text: renderC(part)}));
}

/**
The name a declarator declares and where the declarator starts (after the specifiers):
`const char * version` → version at `*`; `int ( * init ) ( void )` → init at `(`;
`unsigned int x : 1` → x; `int : 3` → none.
*/
export function declaratorName(tokens: readonly string[]): {name: string; start: number} | undefined {
	let found: {name: string; start: number} | undefined;
	for (let index = 0; index < tokens.length; index++) {
		const token = tokens[index]!;
		if (token === ':' || token === '[' || token === '=') {
			break;
		}

		if (skipWithArguments.has(token)) {
			if (tokens[index + 1] === '(') {
				index = skipGroup(tokens, index + 1);
			}

			continue;
		}

		if (token === '(') {
			const close = skipGroup(tokens, index);
			const inner = tokens.slice(index + 1, close);
			// `( * name )`: a pointer to function or array; anything else is a parameter list.
			if (inner[0] === '*' || inner[0] === '^' || inner[0] === '(') {
				const nested = declaratorName(inner);
				if (nested) {
					return {name: nested.name, start: pointerStart(tokens, index)};
				}
			}

			break;
		}

		if (token === '{') {
			index = skipGroup(tokens, index);
			continue;
		}

		if (identifier.test(token) && !keywords.has(token)) {
			found = {name: token, start: pointerStart(tokens, index)};
		}
	}

	return found;
}

// The declarator starts at the `*`s and qualifiers that bind to it: `* const * tp`.
function pointerStart(tokens: readonly string[], index: number): number {
	let start = index;
	while (start > 0 && qualifiers.has(tokens[start - 1]!)) {
		start--;
	}

	return start;
}

export function splitTopLevel(tokens: readonly string[], separator: string): string[][] {
	const parts: string[][] = [];
	let part: string[] = [];
	let depth = 0;
	for (const token of tokens) {
		if (token in opening) {
			depth++;
		} else if (token === ')' || token === ']' || token === '}') {
			depth--;
		}

		if (depth === 0 && token === separator) {
			parts.push(part);
			part = [];
		} else {
			part.push(token);
		}
	}

	if (part.length > 0) {
		parts.push(part);
	}

	return parts;
}

function indexAtTopLevel(tokens: readonly string[], wanted: string): number {
	let depth = 0;
	for (const [index, token] of tokens.entries()) {
		if (depth === 0 && token === wanted) {
			return index;
		}

		if (token in opening) {
			depth++;
		} else if (token === ')' || token === ']' || token === '}') {
			depth--;
		}
	}

	return -1;
}

/** Index of the bracket closing the one at `start`, -1 when unbalanced. */
function matching(tokens: readonly string[], start: number): number {
	let depth = 0;
	for (let index = start; index < tokens.length; index++) {
		const token = tokens[index]!;
		if (token in opening) {
			depth++;
		} else if (token === ')' || token === ']' || token === '}') {
			depth--;
			if (depth === 0) {
				return index;
			}
		}
	}

	return -1;
}

function skipGroup(tokens: readonly string[], start: number): number {
	const end = matching(tokens, start);
	return end === -1 ? tokens.length : end;
}
