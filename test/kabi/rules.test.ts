import test from 'ava';
import {judge, parseRules, wildcard} from '../../source/kabi/rules.js';

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
