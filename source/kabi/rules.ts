import {InputError} from '../common/input-error.js';

/*
kABI policy files: which changes between two kernels' exports a distribution tolerates.
- SUSE severity rules (suse-kabi-tools(5), "kABI severity rules", as upstream 0c6c5c0 parses them
  in src/rules/mod.rs): `[MODULE|NAMESPACE|SYMBOL] PATTERN PASS|FAIL` a line, `#` comments. Without
  a type, a pattern with a "/" (or exactly "vmlinux") matches the exporting module, one equal to
  its upper case (`USB_STORAGE`, but also `*` and `__*`) a namespace, any other the symbol. The
  first matching line decides; no match is FAIL. Wildcards as wildmat (src/text/mod.rs).
- Red Hat kABI stablelists (kernel-abi-stablelists: /lib/modules/kabi-<M><m>/kabi_stablelist_<arch>):
  a `[rhel9_x86_64_stablelist]` header, then one symbol a line, indented. A change to a listed
  symbol fails, to any other is tolerated.
*/

export type RulePattern = {kind: 'module' | 'namespace' | 'symbol'; text: string};

/** `typed`: the line named the kind (`NAMESPACE CXL PASS`), and the rule is shown so. */
export type SeverityRule = {pattern: RulePattern; pass: boolean; line: number; typed: boolean};

export type KabiRules =
	| {kind: 'severities'; file: string; rules: SeverityRule[]; index: RuleIndex}
	| {kind: 'stablelist'; file: string; name: string; symbols: ReadonlySet<string>};

/** What an export is, as the rules see it: the old kernel's record (ksymvers does the same). */
export type RuleSubject = {symbol: string; module: string; namespace: string};

export type RuleDecision = {
	tolerated: boolean;
	/** Which rule decided, as a person finds it: "severities:12: arch/x86/kvm/* PASS". */
	rule: string;
};

/** Real files hold hundreds of rules (SUSE) or a few thousand symbols (Red Hat). */
export const maximumRules = 1_000_000;
/** Patterns with a wildcard other than one leading or trailing `*` are tried one by one for every change. */
export const maximumScannedPatterns = 1024;

/** One position of a compiled wildcard: a character, `?`, `*`, or a class of ranges (pairs of UTF-16 code units). */
type Token = {kind: 'char'; code: number} | {kind: 'any'} | {kind: 'star'} | {kind: 'class'; negate: boolean; ranges: number[]};

/**
A wildcard as suse-kabi-tools matches it (Rich Salz's wildmat, src/text/mod.rs): `*` any run, `?`
any one character, `\x` the character x, `[..]` a class: `[^..]` negates (`!` is an ordinary
member), a `]` or `-` right after the opening (or the `^`) is a member, `a-z` a range from the
member before, no escapes inside. A trailing `\` matches nothing. A class without its `]` is
refused by the parser (wildmat reads past the pattern's end on a match: ksymvers panics).
Matching is the classic greedy algorithm, without backtracking beyond the last `*`:
O(pattern × name) at worst, never exponential. Names are compared code unit by code unit (kmodx
reads files as bytes).
*/
export class Wildcard {
	readonly tokens: readonly Token[];
	/** Characters every match has (the tokens that are not `*`). */
	readonly minimumLength: number;
	/** Where a `[` opens a class that has no `]`, or -1. */
	readonly unclosedClass: number = -1;

	constructor(readonly pattern: string) {
		const tokens: Token[] = [];
		for (let index = 0; index < pattern.length; index++) {
			const char = pattern[index]!;
			if (char === '*') {
				if (tokens.at(-1)?.kind !== 'star') {
					tokens.push({kind: 'star'}); // Consecutive stars act as one.
				}
			} else if (char === '?') {
				tokens.push({kind: 'any'});
			} else if (char === '\\') {
				// The next character stands for itself; after the last one, nothing can match.
				index++;
				tokens.push(index < pattern.length ? {kind: 'char', code: pattern.charCodeAt(index)} : {kind: 'class', negate: false, ranges: []});
			} else if (char === '[') {
				const parsed = parseClass(pattern, index);
				if (parsed === undefined) {
					this.unclosedClass = index;
					tokens.push({kind: 'class', negate: false, ranges: []});
					break;
				}

				tokens.push(parsed.token);
				index = parsed.end;
			} else {
				tokens.push({kind: 'char', code: pattern.charCodeAt(index)});
			}
		}

		this.tokens = tokens;
		this.minimumLength = tokens.filter(token => token.kind !== 'star').length;
	}

	test(text: string): boolean {
		const {tokens} = this;
		if (text.length < this.minimumLength) {
			return false;
		}

		let token = 0;
		let position = 0;
		// Where the last `*` was, and the position it is tried from next.
		let star = -1;
		let starPosition = 0;
		while (position < text.length) {
			const current = tokens[token];
			if (current && current.kind !== 'star' && matchesOne(current, text.charCodeAt(position))) {
				token++;
				position++;
			} else if (current?.kind === 'star') {
				star = token++;
				starPosition = position;
			} else if (star !== -1) {
				token = star + 1;
				position = ++starPosition;
			} else {
				return false;
			}
		}

		while (tokens[token]?.kind === 'star') {
			token++;
		}

		return token === tokens.length;
	}
}

/**
The class opened at `open`, read as wildmat reads it: an optional `^`; a first `]` or `-` is a
member; then members up to the next `]`, where `-` and a character (not `]`) make a range from
the member before it. Undefined when no `]` closes it.
*/
function parseClass(pattern: string, open: number): {token: Token; end: number} | undefined {
	let cursor = open + 1;
	const negate = pattern[cursor] === '^';
	cursor += negate ? 1 : 0;
	const ranges: number[] = [];
	// The member a `-` extends: wildmat starts it at the `[` or `^` just read.
	let last = pattern.charCodeAt(cursor - 1);
	if (pattern[cursor] === ']' || pattern[cursor] === '-') {
		last = pattern.charCodeAt(cursor);
		ranges.push(last, last);
		cursor++;
	}

	for (; cursor < pattern.length && pattern[cursor] !== ']'; cursor++) {
		if (pattern[cursor] === '-' && cursor + 1 < pattern.length && pattern[cursor + 1] !== ']') {
			cursor++;
			ranges.push(last, pattern.charCodeAt(cursor));
		} else {
			ranges.push(pattern.charCodeAt(cursor), pattern.charCodeAt(cursor));
		}

		last = pattern.charCodeAt(cursor);
	}

	return cursor < pattern.length ? {token: {kind: 'class', negate, ranges}, end: cursor} : undefined;
}

function matchesOne(token: Token, code: number): boolean {
	if (token.kind === 'any') {
		return true;
	}

	if (token.kind === 'char') {
		return token.code === code;
	}

	if (token.kind !== 'class') {
		return false;
	}

	let inside = false;
	for (let index = 0; index < token.ranges.length && !inside; index += 2) {
		inside = code >= token.ranges[index]! && code <= token.ranges[index + 1]!;
	}

	return inside !== token.negate;
}

/** A wildcard of a whole name, as suse-kabi-tools matches it: * ? \x and [..] classes ([^..] negates). */
export function wildcard(pattern: string): Wildcard {
	return new Wildcard(pattern);
}

/**
The rules of one kind of pattern, indexed so that judging a change costs a few map lookups:
exact names, `prefix*` and `*suffix` patterns by their literal text (the lowest rule number for
each), and the rest, in order, tried one by one. Each holds the number of the first rule in it.
*/
class KindIndex {
	readonly exact = new Map<string, number>();
	readonly prefixes = new Map<string, number>();
	readonly suffixes = new Map<string, number>();
	readonly scanned: Array<{rule: number; wildcard: Wildcard}> = [];
	private longestPrefix = -1;
	private longestSuffix = -1;

	add(text: string, rule: number): void {
		// The common shapes without compiling (a million rules must stay small).
		if (!/[*?[\\]/.test(text)) {
			setFirst(this.exact, text, rule);
			return;
		}

		if (/^[^*?[\\]*\*+$/.test(text) || /^\*+[^*?[\\]*$/.test(text)) {
			const prefix = !text.startsWith('*');
			const literal = text.replaceAll('*', '');
			this.addAffix(prefix, literal, rule);
			return;
		}

		const compiled = new Wildcard(text);
		const {tokens} = compiled;
		// Runs of character tokens (`\x` included) are literal text.
		const literal = (from: number, to: number) => tokens.slice(from, to).every(token => token.kind === 'char');
		const literalText = (from: number, to: number) => tokens.slice(from, to).map(token => String.fromCharCode((token as {code: number}).code)).join('');
		const last = tokens.length - 1;
		if (literal(0, tokens.length)) {
			setFirst(this.exact, literalText(0, tokens.length), rule);
		} else if (tokens[last]?.kind === 'star' && literal(0, last)) {
			this.addAffix(true, literalText(0, last), rule);
		} else if (tokens[0]?.kind === 'star' && literal(1, tokens.length)) {
			this.addAffix(false, literalText(1, tokens.length), rule);
		} else {
			this.scanned.push({rule, wildcard: compiled});
		}
	}

	private addAffix(prefix: boolean, literal: string, rule: number): void {
		setFirst(prefix ? this.prefixes : this.suffixes, literal, rule);
		if (prefix) {
			this.longestPrefix = Math.max(this.longestPrefix, literal.length);
		} else {
			this.longestSuffix = Math.max(this.longestSuffix, literal.length);
		}
	}

	/** The first rule that matches `value`, or `best` when none before it does. */
	first(value: string, best: number): number {
		let found = Math.min(best, this.exact.get(value) ?? best);
		for (let length = 0; length <= Math.min(this.longestPrefix, value.length); length++) {
			found = Math.min(found, this.prefixes.get(value.slice(0, length)) ?? found);
		}

		for (let length = 0; length <= Math.min(this.longestSuffix, value.length); length++) {
			found = Math.min(found, this.suffixes.get(value.slice(value.length - length)) ?? found);
		}

		for (const {rule, wildcard} of this.scanned) {
			if (rule >= found) {
				break;
			}

			if (wildcard.test(value)) {
				return rule;
			}
		}

		return found;
	}
}

function setFirst(map: Map<string, number>, key: string, rule: number): void {
	if (!map.has(key)) {
		map.set(key, rule);
	}
}

/** Every severity rule, by the kind of its pattern; judging one change is near constant time. */
export class RuleIndex {
	private readonly kinds = {module: new KindIndex(), namespace: new KindIndex(), symbol: new KindIndex()};
	// A diff judges thousands of changes of a few hundred modules and namespaces.
	private readonly memo = {module: new Map<string, number>(), namespace: new Map<string, number>()};

	constructor(rules: readonly SeverityRule[], file: string) {
		let scanned = 0;
		for (const [number, rule] of rules.entries()) {
			const kind = this.kinds[rule.pattern.kind];
			const before = kind.scanned.length;
			kind.add(rule.pattern.text, number);
			scanned += kind.scanned.length - before;
			if (scanned > maximumScannedPatterns) {
				throw new InputError(file, `line ${rule.line}: more than ${maximumScannedPatterns.toLocaleString('en-US')} patterns with a wildcard other than one leading or trailing * (limit: each is tried for every change)`);
			}
		}
	}

	/** The number of the first rule that matches, or -1. */
	first(subject: RuleSubject): number {
		let best = Number.POSITIVE_INFINITY;
		for (const kind of ['module', 'namespace', 'symbol'] as const) {
			const value = subject[kind];
			if (kind === 'namespace' && value === '') {
				continue; // An export without a namespace matches no namespace pattern.
			}

			if (kind === 'symbol') {
				best = this.kinds.symbol.first(value, best);
				continue;
			}

			let found = this.memo[kind].get(value);
			if (found === undefined) {
				found = this.kinds[kind].first(value, Number.POSITIVE_INFINITY);
				this.memo[kind].set(value, found);
			}

			best = Math.min(best, found);
		}

		return Number.isFinite(best) ? best : -1;
	}
}

/**
The kind of a rule without a type, as upstream infers it: a "/" or exactly "vmlinux" is a module,
a pattern equal to its upper case a namespace (so `*` and `__*` are namespace patterns), any other
a symbol. Upper case is Unicode's, of the pattern's UTF-8 text (kmodx holds it as bytes).
*/
function kindOf(text: string): RulePattern['kind'] {
	if (text.includes('/') || text === 'vmlinux') {
		return 'module';
	}

	const characters = Buffer.from(text, 'latin1').toString('utf8');
	return characters === characters.toUpperCase() ? 'namespace' : 'symbol';
}

const ruleTypes: Record<string, RulePattern['kind']> = {MODULE: 'module', NAMESPACE: 'namespace', SYMBOL: 'symbol'};
const ruleForm = "must be '[MODULE|NAMESPACE|SYMBOL] PATTERN PASS|FAIL'";

/** The words of one rule line as upstream splits them: ASCII white space (not \v), `#` ends the line. */
function ruleWords(line: string): string[] {
	const hash = line.indexOf('#');
	return (hash === -1 ? line : line.slice(0, hash)).split(/[ \t\n\f\r]+/).filter(Boolean);
}

/** One severity rule, or undefined for a blank or comment line; upstream's errors, in its order. */
function parseSeverityRule(line: string, number: number, file: string): SeverityRule | undefined {
	const words = ruleWords(line);
	const quoted = JSON.stringify(line.trim().slice(0, 80));
	const error = (problem: string) => new InputError(file, `line ${number}: ${problem}: ${quoted}`);
	if (words.length === 0) {
		return undefined;
	}

	if (words.length === 1) {
		throw error(`incomplete rule, ${ruleForm}`);
	}

	let kind: RulePattern['kind'];
	if (words.length >= 3) {
		const type = words[0]!;
		if (!Object.hasOwn(ruleTypes, type)) {
			throw error(`unknown rule type ${JSON.stringify(type.slice(0, 40))}, must be MODULE, NAMESPACE or SYMBOL`);
		}

		kind = ruleTypes[type]!;

		if (words.length > 3) {
			throw error('unexpected words after the verdict');
		}

	} else {
		kind = kindOf(words[0]!);
	}

	const [text, verdict] = words.slice(-2) as [string, string];
	if (verdict !== 'PASS' && verdict !== 'FAIL') {
		throw error(`unknown verdict ${JSON.stringify(verdict.slice(0, 40))}, must be PASS or FAIL`);
	}

	const unclosed = new Wildcard(text).unclosedClass;
	if (unclosed !== -1) {
		// Upstream reads past the pattern on a match (a panic in 0c6c5c0): no meaning to follow.
		throw error(`the [ at column ${unclosed + 1} of ${JSON.stringify(text.slice(0, 80))} has no ]`);
	}

	return {pattern: {kind, text}, pass: verdict === 'PASS', line: number, typed: words.length === 3};
}

/** A rules file: a stablelist when it starts with a `[…stablelist…]` header, else severity rules. */
export function parseRules(text: string, file: string): KabiRules {
	const lines = text.split('\n');
	const header = lines.findIndex(line => line.trim() !== '' && !line.trim().startsWith('#'));
	const first = lines[header]?.trim() ?? '';
	if (/^\[[^\]]*stablelist[^\]]*\]$/i.test(first)) {
		const symbols = new Set<string>();
		for (const [index, line] of lines.entries()) {
			const word = line.replace(/#.*/, '').trim();
			if (index <= header || word === '') {
				continue;
			}

			if (!/^[A-Za-z_.$][\w.$]*$/.test(word)) {
				throw new InputError(file, `line ${index + 1}: not a symbol name: ${JSON.stringify(word.slice(0, 80))}`);
			}

			symbols.add(word);
			if (symbols.size > maximumRules) {
				throw new InputError(file, `line ${index + 1}: more than ${maximumRules.toLocaleString('en-US')} symbols: not a kABI stablelist (limit)`);
			}
		}

		return {kind: 'stablelist', file, name: first.slice(1, -1), symbols};
	}

	const rules: SeverityRule[] = [];
	for (const [index, line] of lines.entries()) {
		const rule = parseSeverityRule(line, index + 1, file);
		if (rule === undefined) {
			continue;
		}

		rules.push(rule);
		if (rules.length > maximumRules) {
			throw new InputError(file, `line ${index + 1}: more than ${maximumRules.toLocaleString('en-US')} rules: not a kABI rules file (limit)`);
		}
	}

	return {kind: 'severities', file, rules, index: new RuleIndex(rules, file)};
}

/** Whether the rules tolerate a change to `subject`, and which rule says so. */
export function judge(rules: KabiRules, subject: RuleSubject): RuleDecision {
	if (rules.kind === 'stablelist') {
		return rules.symbols.has(subject.symbol)
			? {tolerated: false, rule: `${rules.file}: ${subject.symbol} is on the stablelist ${rules.name}`}
			: {tolerated: true, rule: `${rules.file}: ${subject.symbol} is not on the stablelist ${rules.name}`};
	}

	const first = rules.index.first(subject);
	const rule = rules.rules[first];
	return rule
		? {tolerated: rule.pass, rule: `${rules.file}:${rule.line}: ${rule.typed ? `${rule.pattern.kind.toUpperCase()} ` : ''}${rule.pattern.text} ${rule.pass ? 'PASS' : 'FAIL'}`}
		: {tolerated: false, rule: `${rules.file}: no rule matches (FAIL)`};
}
