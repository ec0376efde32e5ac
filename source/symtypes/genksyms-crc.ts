import zlib from 'node:zlib';
import {InputError} from '../common/input-error.js';
import {
	parseReference, tagKeywords, type SymtypesDefinition, type SymtypesIndex, type SymtypesScope,
} from './symtypes-index.js';

/** What one export reaches in its translation unit: every definition genksyms expands for it. */
export type SymbolReach = {
	symbol: string;
	/** Every definition expanded, in expansion order, by key (`s#foo`), undefined structs included. */
	definitions: Map<string, SymtypesDefinition>;
	/** The translation unit the symbol came from. */
	scope: SymtypesScope;
};

export type SymbolExpansion = SymbolReach & {
	/** The exact string genksyms hashes (what `genksyms -D` prints between `<` and `>`). */
	text: string;
	crc: number;
};

/** The genksyms CRC of `symbol`, as the kernel carries it (`__crc_<symbol>`, Module.symvers). */
export function genksymsCrc(index: SymtypesIndex, symbol: string): number {
	return expandSymbol(index, symbol).crc;
}

/** The string genksyms hashes for `symbol` (what `genksyms -D` prints): the tests compare it with genksyms's. */
export function expansion(index: SymtypesIndex, symbol: string): string {
	return expandSymbol(index, symbol).text;
}

/**
scripts/genksyms/genksyms.c `expand_and_crc_sym`: walk the export's definition; plain tokens
are hashed followed by a space; a reference is expanded the first time this export meets it
and afterwards hashed as its name (`struct foo` for tags). An undefined tag counts as
`struct foo { UNKNOWN }`. CRC-32 is zlib's (init and final xor 0xffffffff).
*/
export function expandSymbol(index: SymtypesIndex, symbol: string): SymbolExpansion {
	const parts: string[] = [];
	const reach = walkSymbol(index, symbol, token => parts.push(token));
	const text = parts.length > 0 ? parts.join(' ') + ' ' : '';
	// Latin1 keeps every byte of the file as it was: genksyms hashes bytes.
	const crc = zlib.crc32(Buffer.from(text, 'latin1')) >>> 0;
	return {...reach, text, crc};
}

function walkSymbol(index: SymtypesIndex, symbol: string, emit?: (token: string) => void): SymbolReach {
	const scope = index.exports.get(symbol);
	const root = scope?.get(symbol);
	if (!scope || !root) {
		throw new InputError(index.source, `no definition of the exported symbol ${symbol}`);
	}

	const definitions = new Map<string, SymtypesDefinition>([[root.key, root]]);
	// Depth-first, in token order, with an explicit stack: a chain of thousands of distinct
	// typedefs (a hostile or generated file) must not overflow the call stack. Cycles end at
	// `definitions`, as in genksyms: a definition is expanded once per export.
	const stack: Array<{definition: SymtypesDefinition; next: number}> = [{definition: root, next: 0}];
	while (stack.length > 0) {
		const frame = stack.at(-1)!;
		const token = frame.definition.tokens[frame.next++];
		if (token === undefined) {
			stack.pop();
			continue;
		}

		const reference = parseReference(token);
		if (!reference) {
			emit?.(token);
			continue;
		}

		const keyword = tagKeywords[reference.tag];
		const target = resolveReference(scope, token, definitions) ?? unresolved(frame.definition, token, keyword);
		if (definitions.has(target.key)) {
			emit?.(keyword ? `${keyword} ${reference.name}` : reference.name);
		} else {
			definitions.set(target.key, target);
			stack.push({definition: target, next: 0});
		}
	}

	return {symbol, definitions, scope};
}

/**
Find what a reference names in one translation unit. Like genksyms's find_symbol, struct,
union and enum tags share one namespace; typedefs and enum constants are looked up exactly.
`seen` supplies definitions already made up for undefined tags.
*/
export function resolveReference(
	scope: SymtypesScope,
	token: string,
	seen?: Map<string, SymtypesDefinition>,
): SymtypesDefinition | undefined {
	const exact = scope.get(token) ?? seen?.get(token);
	if (exact) {
		return exact;
	}

	const reference = parseReference(token);
	if (!reference || !tagKeywords[reference.tag]) {
		return undefined;
	}

	for (const tag of ['s', 'u', 'e']) {
		const found = scope.get(`${tag}#${reference.name}`);
		if (found) {
			return found;
		}
	}

	return undefined;
}

function unresolved(from: SymtypesDefinition, token: string, keyword: string | undefined): SymtypesDefinition {
	const reference = parseReference(token)!;
	if (!keyword) {
		// Genksyms itself crashes here ("Bad reference files can segfault"): the file is incomplete.
		throw new InputError(from.file, `line ${from.line}: ${token} is used but not defined`);
	}

	return {key: token, tokens: [keyword, reference.name, '{', 'UNKNOWN', '}'], override: false, file: from.file, line: 0};
}
