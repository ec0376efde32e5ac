import {spawnSync} from 'node:child_process';
import test from 'ava';
import {judge, maximumRules, maximumScannedPatterns, parseRules, wildcard} from '../../source/kabi/rules.js';
import {caseSeed, Rng} from '../fuzz/mutate.js';

/** Bash's own pattern matching ([[ name == pattern ]], where [!..] and [^..] negate too): one line of 0/1 per pair. */
function bashMatches(pairs: ReadonlyArray<readonly [string, string]>): boolean[] {
	// A separator that is not white space: an empty name stays a field.
	const script = 'while IFS=$\'\\x01\' read -r name pattern; do if [[ "$name" == $pattern ]]; then echo 1; else echo 0; fi; done';
	const result = spawnSync('bash', ['-c', script], {input: pairs.map(([name, pattern]) => `${name}\u0001${pattern}\n`).join(''), encoding: 'utf8', maxBuffer: 64 * 1024 * 1024});
	return result.stdout.trim().split('\n').map(line => line === '1');
}

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
		['a.c', 'a\\.c'], ['abc', 'a.c'],
	];
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
	t.throws(() => parseRules('vmlinux MAYBE\n', 'bad'), {message: 'bad: line 1: expected PATTERN PASS|FAIL, got "vmlinux MAYBE"'});
	t.throws(() => parseRules('vmlinux PASS extra\n', 'bad'), {message: /^bad: line 1: expected PATTERN PASS\|FAIL/});
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

test('the wildcard matcher agrees with bash on 20,000 random pattern and name pairs', t => {
	const rng = new Rng(caseSeed(22, 0));
	const pairs = Array.from({length: 20_000}, () => [randomName(rng), randomPattern(rng)] as const);
	const expected = bashMatches(pairs);
	t.is(expected.length, pairs.length);
	const disagreements = pairs.filter(([name, pattern], index) => wildcard(pattern).test(name) !== expected[index]);
	t.deepEqual(disagreements.slice(0, 10), []);
	t.true(expected.filter(Boolean).length > 1000, 'the pairs match often enough to mean something'); // 1,074 do.
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
		// Symbol patterns only (lower case, no '/'), PASS and FAIL alternating.
		const rules = parseRules(patterns.map((pattern, index) => `${pattern} ${index % 2 === 0 ? 'PASS' : 'FAIL'}`).join('\n'), 'rules');
		const names = Array.from({length: 100}, () => randomName(rng));
		const matched = bashMatches(names.flatMap(name => patterns.map(pattern => [name, pattern] as const)));
		for (const [position, name] of names.entries()) {
			const first = patterns.findIndex((_, index) => matched[(position * patterns.length) + index]);
			const expected = first === -1 ? 'rules: no rule matches (FAIL)' : `rules:${first + 1}: ${patterns[first]!} ${first % 2 === 0 ? 'PASS' : 'FAIL'}`;
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
