import {terminalSafe} from '../common/terminal-text.js';
import {InputError} from '../common/input-error.js';
import {
	parseReference, SymtypesScope, type SymtypesDefinition, type SymtypesIndex,
} from './symtypes-index.js';

const sectionHeader = /^\/\*\s*(.*?)\s*\*\/$/;
const symbolName = /^[A-Za-z_$][\w$.]*$/;

/**
Parse the text of one `.symtypes` file: per-object (what genksyms writes) or consolidated
(SUSE `ksymtypes consolidate`: `/* file *\/` sections, omitted repeats, `s##name` opaque types).
Bytes are taken as latin1 so that the CRC sees exactly the file's bytes.
*/
export function parseSymtypes(data: string | Uint8Array, file: string, options: {shared?: SharedDefinitions; count?: DefinitionCount} = {}): SymtypesIndex {
	const text = typeof data === 'string' ? data : Buffer.from(data.buffer, data.byteOffset, data.byteLength).toString('latin1');
	if (text.includes('\0')) {
		throw new InputError(file, 'not a .symtypes file (binary data)');
	}

	const reader = new SectionReader(file, options.shared, options.count ?? {definitions: 0});
	const lines = text.split('\n');
	for (const [index, rawLine] of lines.entries()) {
		reader.line(rawLine, index + 1);
	}

	const scopes = reader.finish();
	const exports = new Map<string, SymtypesScope>();
	addExports(exports, scopes);
	return {source: file, scopes, exports};
}

/** Merge several indexes (a build tree) into one; the first definition of an export wins. */
export function mergeSymtypes(source: string, indexes: SymtypesIndex[]): SymtypesIndex {
	const scopes = indexes.flatMap(index => index.scopes);
	const exports = new Map<string, SymtypesScope>();
	addExports(exports, scopes);
	return {source, scopes, exports};
}

function addExports(exports: Map<string, SymtypesScope>, scopes: SymtypesScope[]) {
	for (const scope of scopes) {
		for (const definition of scope.definitions()) {
			if (!parseReference(definition.key) && !exports.has(definition.key)) {
				exports.set(definition.key, scope);
			}
		}
	}
}

type HistoryEntry = {section: number; definition: SymtypesDefinition};

/**
Definitions one symtypes input may hold: a file, or a build tree's distinct lines (shared ones are
counted once). Each costs about 1.3 KB and 20 µs to read; 10⁶ took 78 s and 2.6 GiB. A unit's
genksyms output holds hundreds (Debian 6.1's kernel/module/version.c: 471), a whole SUSE kernel's
consolidated file (about 100 MB) some hundreds of thousands.
*/
export const maximumDefinitions = 500_000;

/** Definitions read so far for one input (shared by the files of a tree). */
export type DefinitionCount = {definitions: number};

/**
Definitions by their line, shared by the files of one build tree: the same header types are
written into thousands of .symtypes files, so a line seen before is neither tokenized nor stored
again (a shared definition names the first file that had it). Tens of thousands of files then
cost about as much as their distinct lines.
*/
export type SharedDefinitions = Map<string, SymtypesDefinition>;

class SectionReader {
	private readonly scopes: SymtypesScope[] = [];
	private current = new Map<string, SymtypesDefinition>();
	private currentName: string;
	private consolidated = false;
	// Consolidated files: every definition with the section it appeared in, in file order.
	private readonly history = new Map<string, HistoryEntry[]>();

	constructor(private readonly file: string, private readonly shared: SharedDefinitions | undefined, private readonly count: DefinitionCount) {
		this.currentName = file;
	}

	line(rawLine: string, lineNumber: number) {
		const line = rawLine.trim();
		if (line === '') {
			return;
		}

		const known = this.shared?.get(line);
		if (known) {
			this.define(known);
			return;
		}

		const header = sectionHeader.exec(line);
		if (header) {
			this.startSection(header[1] ?? '', lineNumber);
			return;
		}

		// The line is a slice of the whole file's text: a definition kept from it (and its tokens)
		// would keep every file of a tree in memory. A copy keeps only the line.
		const own = this.shared ? Buffer.from(line, 'latin1').toString('latin1') : line;
		const tokens = tokenize(own);
		let override = false;
		if (tokens[0] === 'override') {
			override = true;
			tokens.shift();
		}

		const key = tokens.shift();
		if (key === undefined) {
			throw this.error(lineNumber, '"override" without a definition');
		}

		// `s##foo`: an opaque declaration valid in this section only.
		if (key.length > 3 && key[1] === '#' && key[2] === '#') {
			this.opaque(key, tokens, override, lineNumber);
			return;
		}

		this.checkKey(key, lineNumber);
		if (tokens[0] === 'extern') {
			// genksyms records `extern` beside the definition, it is not hashed.
			tokens.shift();
		}

		if (tokens.length === 0) {
			if (this.consolidated) {
				// Old consolidated files repeat the bare key for "same as before".
				return;
			}

			throw this.error(lineNumber, `${key} has no definition`);
		}

		for (const token of tokens) {
			this.checkToken(token, lineNumber);
		}

		if (++this.count.definitions > maximumDefinitions) {
			throw new InputError(this.file, `more than ${maximumDefinitions.toLocaleString('en-US')} type definitions: not a kernel's symtypes (limit)`);
		}

		const definition: SymtypesDefinition = {key, tokens, override, file: this.file, line: lineNumber};
		this.shared?.set(own, definition);
		this.define(definition);
	}

	private define(definition: SymtypesDefinition) {
		const {key} = definition;
		this.current.set(key, definition);
		// Only consolidated files look back across sections; until the first /* file */ header none does.
		if (!this.consolidated) {
			return;
		}

		this.remember(definition);
	}

	private remember(definition: SymtypesDefinition) {
		const {key} = definition;
		let entries = this.history.get(key);
		if (!entries) {
			entries = [];
			this.history.set(key, entries);
		}

		entries.push({section: this.scopes.length, definition});
	}

	finish(): SymtypesScope[] {
		if (this.current.size > 0 || this.scopes.length === 0) {
			this.closeSection();
		}

		return this.scopes;
	}

	private startSection(name: string, lineNumber: number) {
		if (name === '') {
			throw this.error(lineNumber, 'empty /* file */ section header');
		}

		// Lines before the first header form a section named after the file; from here on sections look back.
		if (!this.consolidated) {
			for (const definition of this.current.values()) {
				this.remember(definition);
			}
		}

		if (this.consolidated || this.current.size > 0) {
			this.closeSection();
		}

		this.consolidated = true;
		this.currentName = name;
	}

	private closeSection() {
		const section = this.scopes.length;
		const inherited = this.consolidated ? (key: string) => this.lastBefore(key, section) : undefined;
		this.scopes.push(new SymtypesScope(this.currentName, this.current, inherited));
		this.current = new Map();
	}

	private lastBefore(key: string, section: number): SymtypesDefinition | undefined {
		const entries = this.history.get(key);
		if (!entries) {
			return undefined;
		}

		// Entries are in section order: binary search for the last one before `section`.
		let low = 0;
		let high = entries.length;
		while (low < high) {
			const middle = (low + high) >>> 1;
			if (entries[middle]!.section < section) {
				low = middle + 1;
			} else {
				high = middle;
			}
		}

		return low > 0 ? entries[low - 1]!.definition : undefined;
	}

	private opaque(key: string, tokens: string[], override: boolean, lineNumber: number) {
		const tag = key[0];
		const name = key.slice(3);
		const keyword = tag === 's' ? 'struct' : tag === 'u' ? 'union' : tag === 'e' ? 'enum' : undefined;
		if (!keyword || tokens.length > 0) {
			throw this.error(lineNumber, `malformed opaque declaration "${key}"`);
		}

		const plainKey = `${tag}#${name}`;
		this.current.set(plainKey, {
			key: plainKey, tokens: [keyword, name, '{', 'UNKNOWN', '}'], override, file: this.file, line: lineNumber,
		});
	}

	private checkKey(key: string, lineNumber: number) {
		if (key[1] === '#') {
			if (!parseReference(key)) {
				throw this.error(lineNumber, `unknown type prefix in "${key}" (expected t#, s#, u#, e# or E#)`);
			}

			return;
		}

		if (!symbolName.test(key)) {
			throw this.error(lineNumber, `expected a type or symbol name, found "${key}"`);
		}
	}

	private checkToken(token: string, lineNumber: number) {
		// Same rule as genksyms's read_node: a second character '#' makes a reference.
		if (token[1] === '#' && token[0] !== '"' && !parseReference(token)) {
			throw this.error(lineNumber, `unknown type prefix in "${token}"`);
		}
	}

	private error(lineNumber: number, problem: string) {
		// Problems quote the line: its controls (a CR inside a name) are shown, never kept raw.
		return new InputError(this.file, `line ${lineNumber}: ${terminalSafe(problem)}`);
	}
}

/**
Tokens are separated by whitespace, except inside "strings" (genksyms keeps those whole) and
quoted names (`s#'a b'`, written by gendwarfksyms for Rust types).
*/
export function tokenize(line: string): string[] {
	if (!line.includes('"') && !line.includes('#\'')) {
		return line.split(/\s+/).filter(token => token !== '');
	}

	const tokens: string[] = [];
	let token = '';
	let quote: string | undefined;
	for (let index = 0; index < line.length; index++) {
		const char = line[index]!;
		if (quote) {
			token += char;
			if (char === quote) {
				quote = undefined;
			}
		} else if (char === ' ' || char === '\t' || char === '\r') {
			if (token !== '') {
				tokens.push(token);
				token = '';
			}
		} else {
			if (char === '"' || (char === '\'' && token.length === 2 && token[1] === '#')) {
				quote = char;
			}

			token += char;
		}
	}

	if (token !== '') {
		tokens.push(token);
	}

	return tokens;
}
