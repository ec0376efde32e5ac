import test from 'ava';
import {markdownCode, markdownText} from '../../source/common/markdown-text.js';
import {isTerminalSafe, terminalSafe, terminalSafeDeep} from '../../source/common/terminal-text.js';
import {firstUnsafe} from '../helpers/controls.js';

test('controls become visible escapes: ESC, CSI, OSC 52, OSC 0, OSC 8, CR, LF, TAB, DEL, C1', t => {
	t.is(terminalSafe('\u001B]52;c;Y3VybAo=\u0007'), String.raw`\x1b]52;c;Y3VybAo=\x07`);
	t.is(terminalSafe('\u001B]0;title\u001B\\'), '\\x1b]0;title\\x1b\\');
	t.is(terminalSafe('a\u001B[2Jb'), String.raw`a\x1b[2Jb`);
	t.is(terminalSafe('a\r\nb\tc\u0000d\u007Fe'), String.raw`a\r\nb\tc\x00d\x7fe`);
	// Latin-1 names re-encoded as UTF-8: C2 9B is U+009B, CSI for 8-bit terminals.
	t.is(terminalSafe(Buffer.from([0x61, 0xC2, 0x9B, 0x32, 0x4A]).toString('utf8')), String.raw`a\x9b2J`);
	t.is(terminalSafe('\u0085\u008D\u0090\u009D'), String.raw`\x85\x8d\x90\x9d`);
});

test('bidi overrides, isolates, zero-width and separator characters are shown; astral format characters too', t => {
	t.is(terminalSafe('evil\u202Egpl'), String.raw`evil\u202egpl`);
	t.is(terminalSafe('a\u2066b\u2069c\u200Bd\u200De\uFEFFf\u00ADg'), String.raw`a\u2066b\u2069c\u200bd\u200de\ufefff\xadg`);
	t.is(terminalSafe('a\u2028b\u2029c'), String.raw`a\u2028b\u2029c`);
	t.is(terminalSafe('tag\u{E0041}'), String.raw`tag\u{e0041}`);
	t.is(terminalSafe('lone\uD800'), String.raw`lone\ud800`);
});

test('printable text of any script is unchanged, and the same string is returned', t => {
	for (const text of ['my_drv', 'kthread_create_on_node', 'é ü ß ñ', 'модуль', '模块', '✓ ✗ ? → —', '', 'a b']) {
		t.is(terminalSafe(text), text);
		t.true(isTerminalSafe(text));
	}

	t.false(isTerminalSafe('a\nb'));
	const output = terminalSafe('x\u001B\u009B\u202E\r\n'.repeat(1000));
	t.is(firstUnsafe(output), undefined);
	t.is(firstUnsafe(output + '\n'), undefined);
});

test('terminalSafeDeep makes every string of a report safe, keys included, and shares what needs nothing', t => {
	const clean = {name: 'ok', list: [1, 'two', null]};
	const report = {clean, name: 'a\u001B]0;x\u0007', nested: [{symbol: 'b\nc'}, 'd'], ['k\r']: true, count: 3};
	const safe = terminalSafeDeep(report);
	t.deepEqual(safe, {clean, name: String.raw`a\x1b]0;x\x07`, nested: [{symbol: String.raw`b\nc`}, 'd'], [String.raw`k\r`]: true, count: 3});
	t.is(safe.clean, clean);
	t.is(terminalSafeDeep(clean), clean);
	// The input is not changed.
	t.is(report.name, 'a\u001B]0;x\u0007');
	// A million-entry array (1M imports) is copied without recursion through its length.
	const big = Array.from({length: 1_000_000}, (_, index) => (index === 999_999 ? '\u001B' : 'x'));
	t.is(terminalSafeDeep(big)[999_999], String.raw`\x1b`);
});

test('markdownText: no HTML, no link, no new cell or row or heading; benign names unchanged', t => {
	t.is(markdownText('my_drv'), 'my_drv');
	t.is(markdownText('kmalloc_caches on 6.1.0-47-amd64'), 'kmalloc_caches on 6.1.0-47-amd64');
	t.is(markdownText('<img src=x onerror=alert(1)>'), '&lt;img src=x onerror=alert(1)&gt;');
	t.is(markdownText('<script>x</script> & more'), '&lt;script&gt;x&lt;/script&gt; &amp; more');
	t.is(markdownText('[click](javascript:alert(1))'), String.raw`\[click\](javascript:alert(1))`);
	t.is(markdownText('a|b`c\\d'), String.raw`a\|b\`c\\d`);
	// The escapes of controls are text too: their backslash is escaped (and renders as one).
	t.is(markdownText('x\n# Injected\r\n| a | b |'), String.raw`x\\n# Injected\\r\\n\| a \| b \|`);
	t.false(/[\n\r]/.test(markdownText('a\nb\rc\u2028d')));
	t.is(markdownText('\u001B]52;c;eA==\u0007'), String.raw`\\x1b\]52;c;eA==\\x07`);
});

test('markdownCode: the text exactly, fenced past its backticks; | escaped for tables; null is a dash', t => {
	t.is(markdownCode('module_layout'), '`module_layout`');
	t.is(markdownCode(null), '—');
	t.is(markdownCode('a`b'), '``a`b``');
	t.is(markdownCode('`x``'), '``` `x`` ```');
	t.is(markdownCode('a|b'), '`a\\|b`');
	t.is(markdownCode('<img src=x>'), '`<img src=x>`');
	t.is(markdownCode('a\nb'), '`a\\nb`');
	t.is(markdownCode('`'.repeat(200_000)).length, 200_000 + 2 * 200_001 + 2);
});
