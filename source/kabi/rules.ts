import {InputError} from '../common/input-error.js';

/*
kABI policy files: which changes between two kernels' exports a distribution tolerates.
- SUSE severity rules (suse-kabi-tools(5), "kABI severity rules"): `PATTERN PASS|FAIL` a line, `#`
  comments. A pattern with a "/" (or exactly "vmlinux") matches the exporting module, one whose
  letters are all capitals a namespace, any other the symbol; shell wildcards * ? [..]. The first
  matching line decides; no match is FAIL.
- Red Hat kABI stablelists (kernel-abi-stablelists: /lib/modules/kabi-<M><m>/kabi_stablelist_<arch>):
  a `[rhel9_x86_64_stablelist]` header, then one symbol a line, indented. A change to a listed
  symbol fails, to any other is tolerated.
*/

export type RulePattern = {kind: 'module' | 'namespace' | 'symbol'; text: string};

export type SeverityRule = {pattern: RulePattern; pass: boolean; line: number};

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
A shell wildcard, compiled: `*` any run, `?` any one character, `[..]` a class (`[!..]` and `[^..]`
negate; a `]` right after the opening or the negation is a member; `a-z` is a range); everything
else, `\` included, stands for itself; a `[` without its `]` too. Matching is the classic greedy
algorithm, without backtracking beyond the last `*`: O(pattern × name) at worst, never exponential.
*/
export class Wildcard {
	readonly tokens: readonly Token[];
	/** Characters every match has (the tokens that are not `*`). */
	readonly minimumLength: number;

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
			} else if (char === '[' && classEnd(pattern, index) !== -1) {
				const end = classEnd(pattern, index);
				let body = pattern.slice(index + 1, end);
				const negate = body.startsWith('!') || body.startsWith('^');
				body = negate ? body.slice(1) : body;
				const ranges: number[] = [];
				for (let at = 0; at < body.length; at++) {
					const low = body.charCodeAt(at);
					if (body[at + 1] === '-' && at + 2 < body.length) {
						ranges.push(low, body.charCodeAt(at + 2));
						at += 2;
					} else {
						ranges.push(low, low);
					}
				}

				tokens.push({kind: 'class', negate, ranges});
				index = end;
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

/** Where the class opened at `open` ends (its `]`), or -1 when it does not. A `]` first (after `!`/`^`) is a member. */
function classEnd(pattern: string, open: number): number {
	let cursor = open + 1;
	cursor += pattern[cursor] === '!' || pattern[cursor] === '^' ? 1 : 0;
	cursor += pattern[cursor] === ']' ? 1 : 0;
	return pattern.indexOf(']', cursor);
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

/** Shell wildcards of a whole name: * ? and [..] classes ([!..] and [^..] negate). */
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
		if (!/[*?[]/.test(text)) {
			setFirst(this.exact, text, rule);
			return;
		}

		if (/^[^*?[]*\*+$/.test(text) || /^\*+[^*?[]*$/.test(text)) {
			const prefix = !text.startsWith('*');
			const literal = text.replaceAll('*', '');
			setFirst(prefix ? this.prefixes : this.suffixes, literal, rule);
			if (prefix) {
				this.longestPrefix = Math.max(this.longestPrefix, literal.length);
			} else {
				this.longestSuffix = Math.max(this.longestSuffix, literal.length);
			}

			return;
		}

		const compiled = new Wildcard(text);
		const {tokens} = compiled;
		// A character token stands for one character of the text, so literal runs are slices of it.
		const literal = (from: number, to: number) => tokens.slice(from, to).every(token => token.kind === 'char');
		const last = tokens.length - 1;
		if (literal(0, tokens.length)) {
			setFirst(this.exact, text, rule);
		} else if (tokens[last]?.kind === 'star' && literal(0, last)) {
			setFirst(this.prefixes, text.slice(0, last), rule);
			this.longestPrefix = Math.max(this.longestPrefix, last);
		} else if (tokens[0]?.kind === 'star' && literal(1, tokens.length)) {
			setFirst(this.suffixes, text.slice(text.length - last), rule);
			this.longestSuffix = Math.max(this.longestSuffix, last);
		} else {
			this.scanned.push({rule, wildcard: compiled});
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

function patternOf(text: string): RulePattern {
	const kind = text.includes('/') || text === 'vmlinux' ? 'module' : (/[A-Za-z]/.test(text) && text === text.toUpperCase() ? 'namespace' : 'symbol');
	return {kind, text};
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
		const words = line.replace(/#.*/, '').trim().split(/\s+/).filter(Boolean);
		if (words.length === 0) {
			continue;
		}

		if (words.length !== 2 || (words[1] !== 'PASS' && words[1] !== 'FAIL')) {
			throw new InputError(file, `line ${index + 1}: expected PATTERN PASS|FAIL, got ${JSON.stringify(line.trim().slice(0, 80))}`);
		}

		rules.push({pattern: patternOf(words[0]!), pass: words[1] === 'PASS', line: index + 1});
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
		? {tolerated: rule.pass, rule: `${rules.file}:${rule.line}: ${rule.pattern.text} ${rule.pass ? 'PASS' : 'FAIL'}`}
		: {tolerated: false, rule: `${rules.file}: no rule matches (FAIL)`};
}
