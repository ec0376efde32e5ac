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

export type RulePattern = {kind: 'module' | 'namespace' | 'symbol'; text: string; match: RegExp};

export type SeverityRule = {pattern: RulePattern; pass: boolean; line: number};

export type KabiRules =
	| {kind: 'severities'; file: string; rules: SeverityRule[]}
	| {kind: 'stablelist'; file: string; name: string; symbols: ReadonlySet<string>};

/** What an export is, as the rules see it: the old kernel's record (ksymvers does the same). */
export type RuleSubject = {symbol: string; module: string; namespace: string};

export type RuleDecision = {
	tolerated: boolean;
	/** Which rule decided, as a person finds it: "severities:12: arch/x86/kvm/* PASS". */
	rule: string;
};

/** Shell wildcards as a regular expression of the whole name: * ? and [..] ranges ([!..] and [^..] negate). */
export function wildcard(pattern: string): RegExp {
	let source = '';
	for (let index = 0; index < pattern.length; index++) {
		const char = pattern[index]!;
		if (char === '*') {
			source += '.*';
		} else if (char === '?') {
			source += '.';
		} else if (char === '[') {
			// A ] right after [ (or [! [^) is a member, not the end.
			let cursor = index + 1;
			cursor += pattern[cursor] === '!' || pattern[cursor] === '^' ? 1 : 0;
			cursor += pattern[cursor] === ']' ? 1 : 0;
			const end = pattern.indexOf(']', cursor);
			if (end === -1) {
				source += '\\[';
				continue;
			}

			let body = pattern.slice(index + 1, end);
			const negate = body.startsWith('!') || body.startsWith('^');
			body = negate ? body.slice(1) : body;
			source += `[${negate ? '^' : ''}${body.replaceAll('\\', '\\\\').replaceAll(']', '\\]')}]`;
			index = end;
		} else {
			source += char.replaceAll(/[.+^${}()|\\/]/g, '\\$&');
		}
	}

	return new RegExp(`^${source}$`, 's');
}

function patternOf(text: string): RulePattern {
	const kind = text.includes('/') || text === 'vmlinux' ? 'module' : (/[A-Za-z]/.test(text) && text === text.toUpperCase() ? 'namespace' : 'symbol');
	return {kind, text, match: wildcard(text)};
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
	}

	return {kind: 'severities', file, rules};
}

/** Whether the rules tolerate a change to `subject`, and which rule says so. */
export function judge(rules: KabiRules, subject: RuleSubject): RuleDecision {
	if (rules.kind === 'stablelist') {
		return rules.symbols.has(subject.symbol)
			? {tolerated: false, rule: `${rules.file}: ${subject.symbol} is on the stablelist ${rules.name}`}
			: {tolerated: true, rule: `${rules.file}: ${subject.symbol} is not on the stablelist ${rules.name}`};
	}

	for (const rule of rules.rules) {
		const value = rule.pattern.kind === 'module' ? subject.module : rule.pattern.kind === 'namespace' ? subject.namespace : subject.symbol;
		if ((rule.pattern.kind !== 'namespace' || value !== '') && rule.pattern.match.test(value)) {
			return {tolerated: rule.pass, rule: `${rules.file}:${rule.line}: ${rule.pattern.text} ${rule.pass ? 'PASS' : 'FAIL'}`};
		}
	}

	return {tolerated: false, rule: `${rules.file}: no rule matches (FAIL)`};
}
