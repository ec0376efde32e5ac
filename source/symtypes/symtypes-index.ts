/**
The types genksyms hashed, as written to `.symtypes` files (`make KBUILD_SYMTYPES=1`).
Types are per translation unit: the same `s#foo` may be defined in one object file and only
declared (`{ UNKNOWN }`) in another, so every file keeps its own scope.
*/

/** `t` typedef, `s` struct, `u` union, `e` enum, `E` enum constant, `` an exported symbol. */
export type SymtypesTag = 't' | 's' | 'u' | 'e' | 'E' | '';

export type SymtypesDefinition = {
	/** As written in the file: `s#task_struct`, `t#u32`, `module_layout`. */
	key: string;
	/** The definition's tokens, references still as `s#foo`; without `extern` and `override`. */
	tokens: readonly string[];
	override: boolean;
	file: string;
	/** 1-based line in `file`; 0 for definitions genksyms makes up (undefined structs). */
	line: number;
};

/** One translation unit: a `.symtypes` file, or one `/* file *\/` section of a consolidated file. */
export class SymtypesScope {
	constructor(
		readonly name: string,
		private readonly own: Map<string, SymtypesDefinition>,
		// Consolidated files omit a definition that equals the last one seen in earlier sections.
		private readonly inherited?: (key: string) => SymtypesDefinition | undefined,
	) {}

	get(key: string): SymtypesDefinition | undefined {
		return this.own.get(key) ?? this.inherited?.(key);
	}

	/** The definitions written in this scope itself. */
	definitions(): Iterable<SymtypesDefinition> {
		return this.own.values();
	}
}

export type SymtypesIndex = {
	/** What the user gave: a file or a directory. */
	source: string;
	scopes: SymtypesScope[];
	/** Exported symbol → the translation unit that defines it (first one wins). */
	exports: Map<string, SymtypesScope>;
};

export const tagKeywords: Record<Exclude<SymtypesTag, ''>, string | undefined> = {
	t: undefined,
	E: undefined,
	s: 'struct',
	u: 'union',
	e: 'enum',
};

/** `s#foo` → {tag: 's', name: 'foo'}; plain tokens → undefined. Names may be quoted ('a b'). */
export function parseReference(token: string): {tag: Exclude<SymtypesTag, ''>; name: string} | undefined {
	if (token.length < 3 || token[1] !== '#') {
		return undefined;
	}

	const tag = token[0];
	if (tag !== 't' && tag !== 's' && tag !== 'u' && tag !== 'e' && tag !== 'E') {
		return undefined;
	}

	return {tag, name: token.slice(2)};
}

/** "struct task_struct", "enum pid_type", "refcount_t", "module_layout". */
export function displayName(key: string): string {
	const reference = parseReference(key);
	if (!reference) {
		return key;
	}

	const keyword = tagKeywords[reference.tag];
	return keyword ? `${keyword} ${reference.name}` : reference.name;
}
