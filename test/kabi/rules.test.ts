import {spawnSync} from 'node:child_process';
import test from 'ava';
import {judge, maximumRules, maximumScannedPatterns, parseRules, wildcard} from '../../source/kabi/rules.js';
import {caseSeed, Rng} from '../fuzz/mutate.js';
import {readGzipText} from '../helpers/derive.js';
import {fixture} from '../helpers/paths.js';

/**
The shell reference's matcher (test/fixtures/kabi/ksymvers-reference.sh --match): each wildcard
translated from wildmat's syntax to bash's and matched by bash's own `case`. One answer per pair.
*/
function referenceMatches(pairs: ReadonlyArray<readonly [string, string]>): boolean[] {
	// A separator that is not white space: an empty name stays a field.
	const result = spawnSync('bash', [fixture('kabi/ksymvers-reference.sh'), '--match'], {input: pairs.map(([name, pattern]) => `${name}\u0001${pattern}\n`).join(''), encoding: 'utf8', maxBuffer: 64 * 1024 * 1024});
	return result.stdout.trim().split('\n').map(line => line === '1');
}

test('40,000 random wildcards and names: kmodx matches as suse-kabi-tools\' own matcher recorded, and so does the shell reference', t => {
	// matches_wildcard of suse-kabi-tools 0c6c5c0 (scripts/record-ksymvers.sh): "RESULT\x01NAME\x01PATTERN".
	const recorded = readGzipText(fixture('kabi/wildmat-0c6c5c0.gz')).trimEnd().split('\n').map(line => line.split('\u0001') as [string, string, string]);
	t.is(recorded.length, 40_000);
	const disagreements = recorded.filter(([result, name, pattern]) => wildcard(pattern).test(name) !== (result === '1'));
	t.deepEqual(disagreements.slice(0, 10), []);
	const shell = referenceMatches(recorded.map(([, name, pattern]) => [name, pattern] as const));
	t.deepEqual(recorded.filter(([result], index) => shell[index] !== (result === '1')).slice(0, 10), [], 'the shell reference agrees with upstream');
	t.is(recorded.filter(([result]) => result === '1').length, 859, 'the pairs match often enough to mean something');
});

test('shell wildcards as suse-kabi-tools matches them (its own test vectors, src/text/tests_wildcard.rs)', t => {
	const matches = (name: string, pattern: string) => wildcard(pattern).test(name);
	const yes: Array<[string, string]> = [
		['', ''], ['abc', 'abc'], ['abc', '*'], ['abc', 'a*'], ['abc', '*bc'], ['abc', 'a*c'], ['abc', 'ab*'], ['abc', 'a****c'], ['a-b-c', 'a*b*c'],
		['a', '?'], ['abc', '?bc'], ['abc', 'a?c'], ['abc', 'ab?'], ['abdec', 'a???c'], ['a-b-c', 'a?b?c'],
		['a', '[abc]'], ['b', '[abc]'], ['bde', '[abc]de'], ['dbe', 'd[abc]e'], ['deb', 'de[abc]'], ['dabce', 'd[abc][abc][abc]e'],
		['d', '[^abc]'], ['a', '[a-c]'], ['c', '[a-c]'], ['D', '[a-cD-EF]'], ['F', '[a-cD-EF]'],
		[']', '[]]'], ['a', '[^]]'], ['-', '[-]'], ['a', '[^-]'], ['a', '[^]-]'],
		// Module paths: * crosses '/', as in the severities file's arch/x86/kvm/*.
		['arch/x86/kvm/kvm', 'arch/x86/kvm/*'], ['drivers/net/wireless/intel/iwlwifi/iwlwifi', 'drivers/*/iwlwifi'],
	];
	const no: Array<[string, string]> = [
		['abc', 'Xbc'], ['abcd', '*bc'], ['', '?'], ['ab', '?'], ['abc', 'a???c'], ['abcd', '?bc'],
		['', '[abc]'], ['ab', '[abc]'], ['abcd', '[abc]bc'], ['', '[^abc]'], ['a', '[^abc]'], ['c', '[^abc]'], ['ab', '[^abc]'], ['ab', '[a-c]'],
		['abc', 'a.c'],
		// wildmat: `!` does not negate, `\\` escapes outside a class, a trailing `\\` matches nothing.
		['b', '[!a]'], ['a\\', 'a\\'], ['a', 'a\\'], ['d', '[a-c]'],
	];
	t.true(matches('a.c', 'a\\.c'));
	t.true(matches('!', '[!a]'));
	t.true(matches('a', '[!a]'));
	t.true(matches('*', '\\*'));
	t.false(matches('x', '\\*'));
	t.true(matches('d', '[a-c-e]'), 'a range continues from the end of the one before');
	t.false(matches('b', '[c-a]'), 'a reversed range holds nothing');
	t.true(matches('\\', '[\\]'), 'no escapes in a class');
	for (const [name, pattern] of yes) {
		t.true(matches(name, pattern), `${JSON.stringify(name)} ~ ${pattern}`);
	}

	for (const [name, pattern] of no) {
		t.false(matches(name, pattern), `${JSON.stringify(name)} !~ ${pattern}`);
	}
});

test('severity rules: module, namespace and symbol patterns, first match wins, no match fails', t => {
	// The example of suse-kabi-tools(5), and lines of SUSE's kernel-source severities file.
	const rules = parseRules([
		'# KABI rules for symbols and modules',
		'lib/important* FAIL',
		'TEST_IMPORTANT FAIL',
		'*not_stable*   PASS',
		'kvm_x86_ops\t\t\tFAIL',
		'arch/x86/kvm/*\t\t\tPASS   # the whole module',
		'vmlinux FAIL',
		'',
	].join('\n'), 'severities');
	const decide = (symbol: string, module: string, namespace = '') => judge(rules, {symbol, module, namespace});
	t.deepEqual(decide('foo', 'lib/important_stuff'), {tolerated: false, rule: 'severities:2: lib/important* FAIL'});
	t.deepEqual(decide('bar_not_stable_yet', 'lib/other', 'TEST_IMPORTANT'), {tolerated: false, rule: 'severities:3: TEST_IMPORTANT FAIL'});
	t.deepEqual(decide('bar_not_stable_yet', 'lib/other'), {tolerated: true, rule: 'severities:4: *not_stable* PASS'});
	t.deepEqual(decide('kvm_x86_ops', 'arch/x86/kvm/kvm'), {tolerated: false, rule: 'severities:5: kvm_x86_ops FAIL'});
	t.deepEqual(decide('kvm_set_msr', 'arch/x86/kvm/kvm'), {tolerated: true, rule: 'severities:6: arch/x86/kvm/* PASS'});
	t.deepEqual(decide('printk', 'vmlinux'), {tolerated: false, rule: 'severities:7: vmlinux FAIL'});
	t.deepEqual(decide('usb_stor_probe1', 'drivers/usb/storage/usb-storage', 'USB_STORAGE'), {tolerated: false, rule: 'severities: no rule matches (FAIL)'});
});

test('typed rules, and the kind a classic rule\'s pattern gives, as suse-kabi-tools(5) and its parser say', t => {
	const rules = parseRules([
		'MODULE  vmlinux FAIL',
		'NAMESPACE local PASS        # lower case, still a namespace',
		'SYMBOL\tEXPORT_ME\tPASS      # capitals, still a symbol',
		'__* FAIL                    # equal to its upper case: a namespace pattern',
		'* PASS',
		'[!a]* FAIL#comment after the verdict',
		'',
	].join('\n'), 'r');
	t.deepEqual(rules.kind === 'severities' && rules.rules.map(rule => [rule.pattern.kind, rule.pattern.text, rule.typed]), [
		['module', 'vmlinux', true], ['namespace', 'local', true], ['symbol', 'EXPORT_ME', true],
		['namespace', '__*', false], ['namespace', '*', false], ['symbol', '[!a]*', false],
	]);
	const decide = (symbol: string, module: string, namespace = '') => judge(rules, {symbol, module, namespace}).rule;
	t.is(decide('printk', 'vmlinux'), 'r:1: MODULE vmlinux FAIL');
	t.is(decide('foo', 'drivers/foo', 'local'), 'r:2: NAMESPACE local PASS');
	t.is(decide('EXPORT_ME', 'drivers/foo'), 'r:3: SYMBOL EXPORT_ME PASS');
	t.is(decide('__foo', 'drivers/foo', '__NS'), 'r:4: __* FAIL');
	t.is(decide('__foo', 'drivers/foo', 'USB_STORAGE'), 'r:5: * PASS');
	t.is(decide('__foo', 'drivers/foo'), 'r: no rule matches (FAIL)', '* and __* match namespaces only');
	t.is(decide('!x', 'drivers/foo'), 'r:6: [!a]* FAIL');
	t.is(decide('bx', 'drivers/foo'), 'r: no rule matches (FAIL)');
});

test('rules upstream refuses are refused in one line naming the line: incomplete, unknown type or verdict, words after the verdict', t => {
	const refused = (text: string) => {
		try {
			parseRules(text, 'bad');
		} catch (error) {
			return (error as Error).message;
		}

		return 'accepted';
	};

	const form = "must be '[MODULE|NAMESPACE|SYMBOL] PATTERN PASS|FAIL'";
	t.is(refused('# fine\nvmlinux\n'), `bad: line 2: incomplete rule, ${form}: "vmlinux"`);
	t.is(refused('vmlinux#PASS\n'), `bad: line 1: incomplete rule, ${form}: "vmlinux#PASS"`);
	t.is(refused('vmlinux MAYBE\n'), 'bad: line 1: unknown verdict "MAYBE", must be PASS or FAIL: "vmlinux MAYBE"');
	t.is(refused('vmlinux pass\n'), 'bad: line 1: unknown verdict "pass", must be PASS or FAIL: "vmlinux pass"');
	t.is(refused('vmlinux PASS extra\n'), 'bad: line 1: unknown rule type "vmlinux", must be MODULE, NAMESPACE or SYMBOL: "vmlinux PASS extra"');
	t.is(refused('module vmlinux PASS\n'), 'bad: line 1: unknown rule type "module", must be MODULE, NAMESPACE or SYMBOL: "module vmlinux PASS"');
	t.is(refused('MODULE vmlinux PASS now\n'), 'bad: line 1: unexpected words after the verdict: "MODULE vmlinux PASS now"');
	t.is(refused('MODULE vmlinux MAYBE\n'), 'bad: line 1: unknown verdict "MAYBE", must be PASS or FAIL: "MODULE vmlinux MAYBE"');
	// Vertical tab is not white space to upstream (Rust's is_ascii_whitespace): one word.
	t.is(refused('vmlinux\vPASS\n'), `bad: line 1: incomplete rule, ${form}: "vmlinux\\u000bPASS"`);
	// A class without its ]: upstream reads past the pattern when it matches.
	t.is(refused('foo[ab PASS\n'), 'bad: line 1: the [ at column 4 of "foo[ab" has no ]: "foo[ab PASS"');
	t.is(refused('\r\n  \t# only comments\r\nvmlinux\tPASS\r\n'), 'accepted');
});

test('stablelists: a listed symbol\'s change fails, any other is tolerated', t => {
	// The shape of kernel-abi-stablelists' /lib/modules/kabi-rhel9/kabi_stablelist_x86_64.
	const rules = parseRules('[rhel9_x86_64_stablelist]\n\t__alloc_pages\n\tkmalloc_caches\n\tmisc_register\n', 'kabi_stablelist_x86_64');
	t.is(rules.kind, 'stablelist');
	t.deepEqual(judge(rules, {symbol: 'misc_register', module: 'vmlinux', namespace: ''}), {tolerated: false, rule: 'kabi_stablelist_x86_64: misc_register is on the stablelist rhel9_x86_64_stablelist'});
	t.deepEqual(judge(rules, {symbol: 'wake_up_process', module: 'vmlinux', namespace: ''}), {tolerated: true, rule: 'kabi_stablelist_x86_64: wake_up_process is not on the stablelist rhel9_x86_64_stablelist'});
	t.throws(() => parseRules('[rhel9_x86_64_stablelist]\n\tnot a symbol\n', 'list'), {message: 'list: line 2: not a symbol name: "not a symbol"'});
});

/** Random patterns and names over a small alphabet, so that they often match and often nearly do. */
function randomPattern(rng: Rng): string {
	const parts = ['a', 'b', 'c', '_', '*', '*', '?', '[ab]', '[!a]', '[^b]', '[a-b]', '[]a]', '[^]c]', '[-a]', 'ab', 'a*', '*b'];
	return Array.from({length: 1 + rng.int(7)}, () => rng.pick(parts)).join('');
}

const randomName = (rng: Rng) => Array.from({length: rng.int(9)}, () => rng.pick(['a', 'b', 'c', '_', ']', '-'])).join('');

test('the wildcard matcher agrees with the shell reference on 20,000 random pattern and name pairs', t => {
	const rng = new Rng(caseSeed(22, 0));
	const pairs = Array.from({length: 20_000}, () => [randomName(rng), randomPattern(rng)] as const);
	const expected = referenceMatches(pairs);
	t.is(expected.length, pairs.length);
	const disagreements = pairs.filter(([name, pattern], index) => wildcard(pattern).test(name) !== expected[index]);
	t.deepEqual(disagreements.slice(0, 10), []);
	t.true(expected.filter(Boolean).length > 900, 'the pairs match often enough to mean something'); // 961 do.
});

test('a pattern that makes a backtracking matcher explode is answered (by the result, not the time)', t => {
	const pattern = '*a*a*a*a*a*a*a*a*b';
	t.false(wildcard(pattern).test('a'.repeat(100)));
	t.true(wildcard(pattern).test(`${'a'.repeat(99)}b`));
	t.false(wildcard('*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*?b').test('a'.repeat(5000)));
	const rules = parseRules(`${pattern} PASS\n*a*a*a*a*a*a*a*a*a*a*a*a*a*ac PASS\n`, 'severities');
	t.deepEqual(judge(rules, {symbol: 'a'.repeat(100), module: 'vmlinux', namespace: ''}), {tolerated: false, rule: 'severities: no rule matches (FAIL)'});
	t.deepEqual(judge(rules, {symbol: `${'a'.repeat(100)}c`, module: 'vmlinux', namespace: ''}), {tolerated: true, rule: 'severities:2: *a*a*a*a*a*a*a*a*a*a*a*a*a*ac PASS'});
});

test('the rules index decides as the first matching line, by bash, for random rule files (exact names, prefix*, *suffix and the rest)', t => {
	const rng = new Rng(caseSeed(22, 1));
	for (let file = 0; file < 20; file++) {
		const patterns = Array.from({length: 30}, () => {
			const shape = rng.int(4);
			const literal = randomName(rng).replaceAll(/[\]-]/g, '') || 'a';
			return shape === 0 ? literal : shape === 1 ? `${literal}*` : shape === 2 ? `*${literal}` : randomPattern(rng);
		});
		// Symbol rules (typed, whatever the pattern), PASS and FAIL alternating.
		const rules = parseRules(patterns.map((pattern, index) => `SYMBOL ${pattern} ${index % 2 === 0 ? 'PASS' : 'FAIL'}`).join('\n'), 'rules');
		const names = Array.from({length: 100}, () => randomName(rng));
		const matched = referenceMatches(names.flatMap(name => patterns.map(pattern => [name, pattern] as const)));
		for (const [position, name] of names.entries()) {
			const first = patterns.findIndex((_, index) => matched[(position * patterns.length) + index]);
			const expected = first === -1 ? 'rules: no rule matches (FAIL)' : `rules:${first + 1}: SYMBOL ${patterns[first]!} ${first % 2 === 0 ? 'PASS' : 'FAIL'}`;
			t.is(judge(rules, {symbol: name, module: 'vmlinux', namespace: ''}).rule, expected, `${name} in file ${file}`);
		}
	}
});

test('rules files past the limits are refused in one line: rules, symbols, patterns tried one by one', t => {
	const many = `${'x PASS\n'.repeat(maximumRules)}y PASS\n`;
	t.throws(() => parseRules(many, 'big'), {message: `big: line ${maximumRules + 1}: more than 1,000,000 rules: not a kABI rules file (limit)`});
	t.throws(() => parseRules(`[rhel9_x86_64_stablelist]\n${'\tx\n'.repeat(3)}${Array.from({length: maximumRules + 1}, (_, index) => `\ts${index}`).join('\n')}\n`, 'list'), {message: `list: line ${maximumRules + 4}: more than 1,000,000 symbols: not a kABI stablelist (limit)`});
	const scanned = Array.from({length: maximumScannedPatterns + 1}, (_, index) => `*a${index}*b PASS`).join('\n');
	t.throws(() => parseRules(scanned, 'scan'), {message: `scan: line ${maximumScannedPatterns + 1}: more than 1,024 patterns with a wildcard other than one leading or trailing * (limit: each is tried for every change)`});
	// Prefix, suffix and exact patterns are not tried one by one: any number of them is fine.
	t.notThrows(() => parseRules(Array.from({length: 5000}, (_, index) => `p${index}* PASS\n*s${index} FAIL\ne${index} PASS`).join('\n'), 'indexed'));
});
