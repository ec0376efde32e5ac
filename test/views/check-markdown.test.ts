import {execFileSync} from 'node:child_process';
import test from 'ava';
import {terminalSafe} from '../../source/common/terminal-text.js';
import {temporaryDirectory} from '../helpers/derive.js';
import {readGzipText} from '../helpers/derive.js';
import {clipboardSymbol, hostileModule, hostileSymvers, htmlSymbol, linkSymbol, rowBreakingSymbol, titleName} from '../helpers/hostile.js';
import {headings, markdownDefects, nodeText, parseMarkdown, tables} from '../helpers/markdown.js';
import {needs, oracleProgram} from '../helpers/oracles.js';
import {fixture} from '../helpers/paths.js';
import {runCli} from '../helpers/run-cli.js';

/*
`check` reports in Markdown read by a real CommonMark/GFM parser (micromark): tables intact, no
raw HTML, no link made of a name; and the whole story for each kernel the module does not load
on, checked against the mismatches kmod and the kernels' Module.symvers give, not kmodx's.
*/

const module = fixture('modules/my_drv-6.1.0-47-amd64.ko');
const symvers = (release: string) => fixture(`kernels/6.1.0-${release}-amd64/Module.symvers.gz`);
const kernels = ['47', '50', '56'].flatMap(label => ['-k', `${label}=${symvers(label)}`]);
const types = [
	'--types', `47=${fixture('symtypes/debian-6.1.0-47-amd64.version.symtypes.gz')}`, '--types', `56=${fixture('symtypes/debian-6.1.0-56-amd64.version.symtypes.gz')}`,
	'--types', `47=${fixture('btf/debian-6.1.0-47-amd64.btf.gz')}`, '--types', `56=${fixture('btf/debian-6.1.0-56-amd64.btf.gz')}`,
];

/** The imports whose CRC differs on a kernel: `modprobe --dump-modversions` against Module.symvers split by hand. */
function referenceMismatches(release: string): string[] {
	const crcs = new Map<string, number>();
	for (const line of readGzipText(symvers(release)).split('\n')) {
		const [crc, name] = line.split('\t');
		if (name && !crcs.has(name)) {
			crcs.set(name, Number(crc));
		}
	}

	const dump = execFileSync(oracleProgram('modprobe'), ['--dump-modversions', module], {encoding: 'utf8'});
	return dump.trim().split('\n').map(line => line.split('\t')).filter(([crc, name]) => crcs.has(name!) && crcs.get(name!) !== Number(crc)).map(([, name]) => name!);
}

/** The lines of a kernel's section, from its `### my_drv on KERNEL` heading to the next `###`. */
function section(markdown: string, kernel: string): string {
	const start = markdown.indexOf(`\n### my_drv on ${kernel}\n`);
	const end = markdown.indexOf('\n### ', start + 1);
	return start === -1 ? '' : markdown.slice(start, end === -1 ? undefined : end);
}

test('the parser this file relies on sees a broken table row, raw HTML and a link', t => {
	const defects = markdownDefects(parseMarkdown('| a | b |\n|---|---|\n| 1 | 2 | 3 |\n\n<img src=x>\n\n[x](javascript:y)\n'));
	t.is(defects.length, 3, defects.join('\n'));
	// A bare URL GFM links shows its own target: not a defect.
	t.deepEqual(markdownDefects(parseMarkdown('see http://x.example/a\n')), []);
});

needs('modprobe')('check --explain in Markdown: for each failing kernel the verdict, kernel log, every mismatch kmod finds, its why (method, inputs, changes), advice', t => {
	const result = runCli(['check', module, ...kernels, ...types, '--explain', '--format', 'markdown']);
	t.is(result.code, 1, result.stderr);
	const tree = parseMarkdown(result.stdout);
	t.deepEqual(markdownDefects(tree), []);
	t.deepEqual(headings(tree, 3).filter(heading => heading.startsWith('my_drv on')), ['my_drv on 50', 'my_drv on 56']);
	for (const kernel of ['50', '56']) {
		const text = section(result.stdout, kernel);
		const expected = referenceMismatches(kernel);
		t.is(expected.length, 11);
		t.regex(text, /\*\*✗ fails at module_layout \(11 CRC mismatches\)\*\*/);
		t.regex(text, /- `my_drv: disagrees about version of symbol module_layout`/);
		const table = tables(parseMarkdown(text))[0]!;
		t.deepEqual(table.slice(1).map(row => row[1]).sort(), [...expected].sort());
		// Each mismatch has its why item, in the why section.
		const why = text.slice(text.indexOf(`#### Why the CRCs differ on ${kernel}`));
		for (const symbol of expected) {
			t.regex(why, new RegExp(`\\*\\*\`${symbol}\`\\*\\*`), symbol);
		}

		t.regex(text, new RegExp(`#### What to do on ${kernel}\\n\\n- it was built for 6\\.1\\.0-47-amd64`));
	}

	// module_layout 47 → 56: genksyms's own input, verified, with the files used and the members genksyms saw added.
	const layout = section(result.stdout, '56');
	t.regex(layout, /- \*\*`module_layout`\*\*: 47 `0x160c03af` → 56 `0x9060323f`: symtypes, verified \(recomputed `0x160c03af` → `0x9060323f`\), the whole cause\n {2}- inputs: 47: `[^`]*debian-6\.1\.0-47-amd64\.version\.symtypes\.gz`; 56: `[^`]*debian-6\.1\.0-56-amd64\.version\.symtypes\.gz`\n {2}- 6 changed types:\n/);
	t.regex(layout, /- `struct task_struct`: \+ `user_dumpable`: `unsigned user_dumpable:1;`; \+ `kstack_offset`: `u32 kstack_offset;`/);
	// misc_register from BTF: approximate, with the BTF files named.
	t.regex(layout, /- \*\*`misc_register`\*\*: 47 `0xf2c48af4` → 56 `0x844c8938`: btf, approximate\n {2}- inputs: 47: `BTF of [^`]*debian-6\.1\.0-47-amd64\.btf\.gz`/);
	// 50 has no type information: each mismatch says so, with what to give.
	t.regex(section(result.stdout, '50'), /- \*\*`module_layout`\*\*: not explained: no type information to compare/);
});

needs('modprobe')('check without --explain: every mismatch is listed "not explained", with the option that explains it; JSON says not_explained', t => {
	const markdown = runCli(['check', module, ...kernels, '--format', 'markdown']).stdout;
	t.deepEqual(markdownDefects(parseMarkdown(markdown)), []);
	for (const kernel of ['50', '56']) {
		const line = section(markdown, kernel).split('\n').find(each => each.startsWith('- not explained: '));
		t.truthy(line, kernel);
		t.deepEqual(line!.slice('- not explained: '.length).split(': ')[0]!.split(', ').map(name => name.replaceAll('`', '')).sort(), referenceMismatches(kernel).sort());
		t.regex(line!, /run the check again with --explain/);
	}

	const json = JSON.parse(runCli(['check', module, ...kernels, '--json']).stdout) as {modules: Array<{results: Array<{kernel: string; problems: Array<{kind: string; symbol: string; not_explained?: string}>}>}>};
	for (const result of json.modules[0]!.results) {
		for (const problem of result.problems) {
			t.is(problem.kind === 'crc', typeof problem.not_explained === 'string', `${result.kernel} ${problem.symbol}`);
		}
	}
});

test('hostile names (OSC, CR LF, HTML, links, |, backticks) leave the Markdown report intact: one module heading, tables whole, no HTML, no link', t => {
	const directory = temporaryDirectory(t);
	const hostile = hostileModule(directory);
	const args = ['check', hostile, '-k', `47=${hostileSymvers(directory)}`, '-k', `56=${symvers('56')}`, '--format', 'markdown'];
	for (const extra of [[], ['--explain', ...types.filter((_, index) => index < 4)]]) {
		const result = runCli([...args, ...extra]);
		t.is(result.code, 1, result.stderr);
		const tree = parseMarkdown(result.stdout);
		t.deepEqual(markdownDefects(tree), []);
		t.deepEqual(headings(tree, 2), [terminalSafe(titleName)]);
		// Each hostile import is one code span, whole, in the mismatch table of 56.
		const symbols = tables(tree).flatMap(rows => rows.map(row => row[1]));
		for (const name of [clipboardSymbol, htmlSymbol, rowBreakingSymbol, linkSymbol]) {
			t.true(symbols.includes(terminalSafe(name)), name);
		}

		t.false(nodeText(tree).includes('\u001B'));
	}
});
