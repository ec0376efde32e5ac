import {buildCheckReport} from '../../source/engine/check-report.js';
import {readdirSync, readFileSync} from 'node:fs';
import path from 'node:path';
import test, {type ExecutionContext} from 'ava';
import type {Key} from 'ink';
import {render} from 'ink-testing-library';
import type {Explanation} from '../../source/typediff/explanation.js';
import {exportContent} from '../../source/ui/export.js';
import {App} from '../../source/ui/app.js';
import type {ExplorerData} from '../../source/ui/state/data.js';
import {temporaryDirectory} from '../helpers/derive.js';
import {fixture} from '../helpers/paths.js';
import {explainer} from '../../source/cli/explore-command.js';
import {flagsFor, kernel47, kernel56, keys, loadCheck, loadDiff, myDrv, plain, press, waitUntil} from './ui-fixtures.js';
import {loadKernels, loadModules} from '../../source/cli/load-inputs.js';
import {MapTable} from '../../source/kernel/map-table.js';
import {checkExplorerData, diffExplorerData, exitCode} from '../../source/ui/state/data.js';
import {buildKernelDiff} from '../../source/engine/kernel-diff.js';
import {symbolDetailLines} from '../../source/ui/state/detail-lines.js';

let data: ExplorerData;
let diff: ExplorerData;
test.before(async () => {
	[data, diff] = await Promise.all([loadCheck([myDrv]), loadDiff()]);
});

// ink-testing-library's stdout is 100 columns wide: sizes above that would wrap.
const wide = {columns: 100, rows: 30};
const small = {columns: 80, rows: 24};

/**
The explorer on `explorerData`, unmounted when the test ends; `e`/`E` export into a temporary
directory that goes with it. `frameWhere(expected)` waits for the first frame that matches and
returns it: keys act in a later frame.
*/
function mount(t: ExecutionContext, explorerData: ExplorerData, size = wide, extra: Partial<Parameters<typeof App>[0]> = {}) {
	const directory = temporaryDirectory(t, 'ui');
	const instance = render(<App data={explorerData} theme={{color: false}} size={size} directory={directory} {...extra}/>);
	t.teardown(() => {
		instance.unmount();
	});
	const frame = () => plain(instance.lastFrame());
	const frameWhere = async (expected: RegExp | ((text: string) => boolean)) => waitUntil(
		() => {
			const text = frame();
			return (typeof expected === 'function' ? expected(text) : expected.test(text)) && text;
		},
		() => `a frame where ${String(expected)}; the last frame:\n${frame()}`,
	);
	return {...instance, frame, frameWhere, directory};
}

/** The contract of every frame: never taller than the terminal (one line spare), never wider. */
function assertFits(t: {true: (value: boolean, message?: string) => void}, frame: string, size: {columns: number; rows: number}) {
	const lines = frame.split('\n');
	t.true(lines.length <= size.rows - 1, `${lines.length} lines for ${size.rows} rows`);
	for (const line of lines) {
		t.true([...line].length <= size.columns, `line too wide: ${line}`);
	}
}

test.serial('first frame: module_layout fails on 56, the strip says where 56 stops', t => {
	const {frame} = mount(t, data);
	const text = frame();
	assertFits(t, text, wide);
	t.regex(text, /✗ 56\s+fails at module_layout \(11 CRC mismatches\)/);
	t.regex(text, /✓ 47\s+loads/);
	t.regex(text, /›✗ module_layout\s+0x160c03af ✓ 0x160c03af ✗ 0x9060323f/);
	t.regex(text, /my_drv · ✗ 11 mismatches · 0 missing · 0 other/);
	t.regex(text, /1 of 21/);
});

test.serial('m hides _printk, strlen and __fentry__, keeps module_layout and misc_register', async t => {
	const {frame, frameWhere, stdin} = mount(t, data);
	t.regex(frame(), /_printk/);
	await press(stdin, 'm');
	const text = await frameWhere(/problems only \(10 of 21 hidden\)/);
	for (const hidden of ['_printk', 'strlen', '__fentry__']) {
		t.false(text.includes(hidden), hidden);
	}

	t.regex(text, /module_layout/);
	t.regex(text, /misc_register/);
});

test.serial('keys pressed before the explorer listened (handed over by run-explorer) act once it does', async t => {
	let taken = 0;
	const earlyKeys = () => {
		taken++;
		return [{input: 'm', key: {} as Key}];
	};

	const {frameWhere} = mount(t, data, wide, {earlyKeys});
	await frameWhere(/problems only \(10 of 21 hidden\)/);
	t.is(taken, 1, 'asked once, when it starts listening');
});

test.serial('/misc_reg Enter Enter: both CRCs and the dmesg line of 56, beside the table', async t => {
	const {frameWhere, stdin} = mount(t, data, wide, {explain: explainer(data.kernels, flagsFor([kernel47, kernel56]))});
	await press(stdin, '/', 'm', 'i', 's', 'c', '_', 'r', 'e', 'g');
	await frameWhere(/\/misc_reg▏ 1\/1/);
	await press(stdin, keys.enter, keys.enter);
	const text = await frameWhere(/Kernel log[^]*cannot explain/);
	assertFits(t, text, wide);
	t.regex(text, /✓ 47\s+0xf2c48af4\s+vmlinux/);
	t.regex(text, /✗ 56\s+0x844c8938\s+vmlinux/);
	// 50 columns beside the table: the log line wraps.
	t.regex(text, /my_drv: disagrees about version of symbol/);
	t.regex(text, /my_drv: Unknown symbol misc_register \(err -22\)/);
	t.regex(text, /stops earlier, at module_layout/);
	// Module.symvers alone has no type information: the detail says what would explain the change.
	t.regex(text, /\? 47 → 56: cannot explain: no type information/);
	// Both kernel columns stay beside the detail (the module CRC column goes first).
	t.regex(text, /›✗ misc_register\s+✓ 0xf2c48af4 ✗ 0x844c8938/);
	await press(stdin, keys.escape);
	t.regex(await frameWhere(now => !now.includes('Kernel log')), /›✗ misc_register/);
});

test.serial('80×24: the detail takes the whole screen and fits', async t => {
	const {frame, frameWhere, stdin} = mount(t, data, small);
	assertFits(t, frame(), small);
	await press(stdin, '/', 'misc_reg', keys.enter, keys.enter);
	const text = await frameWhere(/my_drv: disagrees about version of symbol misc_register/);
	assertFits(t, text, small);
	t.notRegex(text, /›✗/);
	t.regex(text, /0xf2c48af4/);
	t.regex(text, /0x844c8938/);
});

test.serial('e asks, naming the file, then writes the Markdown of `kmodx check --format markdown`, E the JSON; never overwrites', async t => {
	const written: string[] = [];
	const {frameWhere, stdin, directory} = mount(t, data, wide, {onWritten: file => written.push(file)});
	// One key at a time: each export names its file, asks, and shows the path once written.
	await press(stdin, 'e');
	await frameWhere(/write the Markdown report to .*kmodx-report-my_drv-1\.md\? y\/n$/m);
	await frameWhere(/^y write {2}n cancel/m);
	t.deepEqual(readdirSync(directory), [], 'nothing written before the answer');
	await press(stdin, 'n');
	await frameWhere(/nothing written/);
	t.deepEqual(readdirSync(directory), []);
	await press(stdin, 'e');
	await frameWhere(/report to .*kmodx-report-my_drv-1\.md\?/);
	await press(stdin, 'y');
	await frameWhere(/wrote .*kmodx-report-my_drv-1\.md/);
	await press(stdin, 'e');
	await frameWhere(/report to .*kmodx-report-my_drv-2\.md\?/);
	await press(stdin, keys.enter);
	await frameWhere(/wrote .*kmodx-report-my_drv-2\.md/);
	await press(stdin, 'E');
	await frameWhere(/write the JSON report to .*kmodx-report-my_drv-1\.json\?/);
	await press(stdin, 'y');
	await frameWhere(/wrote .*kmodx-report-my_drv-1\.json/);
	t.deepEqual(written.map(file => path.basename(file)), ['kmodx-report-my_drv-1.md', 'kmodx-report-my_drv-2.md', 'kmodx-report-my_drv-1.json']);
	t.deepEqual(readdirSync(directory).sort(), ['kmodx-report-my_drv-1.json', 'kmodx-report-my_drv-1.md', 'kmodx-report-my_drv-2.md']);
	// Nothing was opened: the check's report with every CRC mismatch "not explained" and how to explain it.
	t.is(readFileSync(path.join(directory, 'kmodx-report-my_drv-1.md'), 'utf8'), exportContent(data, 'markdown'));
	t.regex(readFileSync(path.join(directory, 'kmodx-report-my_drv-1.md'), 'utf8'), /- not explained: `module_layout`, .*: open the symbol in the explorer/);
	t.deepEqual(JSON.parse(readFileSync(path.join(directory, 'kmodx-report-my_drv-1.json'), 'utf8')), JSON.parse(exportContent(data, 'json')));
});

test.serial('Tab to the kernels, Enter: the kernel detail with its first failure and what is behind it', async t => {
	const {frameWhere, stdin} = mount(t, data, small);
	await press(stdin, keys.tab, 'j', keys.enter);
	const text = await frameWhere(/Kernel 56/);
	assertFits(t, text, small);
	t.regex(text, /my_drv: fails at module_layout/);
	t.regex(text, /dmesg shows/);
	t.regex(text, /my_drv: disagrees about version of symbol module_layout/);
	t.regex(text, /behind it \(10\)/);
	await press(stdin, 'G');
	await frameWhere(/alone: no other given kernel shares its CRCs/);
});

test.serial('? shows the help generated from the key table at 80×24: no borders, ↓/↑ n more, G shows the end; Esc closes it', async t => {
	const {frameWhere, stdin} = mount(t, data, small);
	await press(stdin, '?');
	let text = await frameWhere(/^ ↑ k +move up/m);
	assertFits(t, text, small);
	t.notRegex(text, /[│─┌┐└┘├┤┼]/, 'no table borders or separator rows');
	const more = /↓ (\d+) more/.exec(text);
	t.truthy(more, 'says how many rows are below');
	await press(stdin, 'G');
	text = await frameWhere(/↑ \d+ more/);
	assertFits(t, text, small);
	t.notRegex(text, /↓ \d+ more/);
	t.regex(text, /do not write it/);
	await press(stdin, 'g');
	text = await frameWhere(now => !/↑ \d+ more/.test(now));
	t.regex(text, /↓ \d+ more/);
	await press(stdin, '/', ...'clipboard');
	text = await frameWhere(/\/clipboard▏ 1\/1/);
	t.regex(text, /copy the symbol name \(OSC 52 clipboard\)/);
	await press(stdin, keys.escape, keys.escape);
	await frameWhere(/1 of 21/);
});

test.serial('below the minimum size it says what it needs', t => {
	const {frame} = mount(t, data, {columns: 50, rows: 10});
	t.is(frame().trim(), 'need 60×12, have 50×10');
});

test.serial('an explanation shows what `kmodx why` prints: the changed type, its path, its changes and what follows from them', async t => {
	const explanation: Explanation = {
		symbol: 'module_layout',
		from: {kernel: '47', crc: '0x160c03af'},
		to: {kernel: '56', crc: '0x9060323f'},
		method: 'symtypes',
		verified: true,
		complete: true,
		paths: 'genksyms',
		changes: [
			{type: 'struct task_struct', kind: 'member_added', member: 'kstack_offset', after: 'u32 kstack_offset', path: ['module_layout', 'struct module', 'struct task_struct']},
			{type: 'struct task_struct', kind: 'member_added', member: 'user_dumpable', after: 'unsigned int user_dumpable : 1', path: ['module_layout', 'struct module', 'struct task_struct'], consequences: ['struct task_struct: size 9792 → 9800 bytes']},
			{type: 'struct device', kind: 'became_opaque', path: ['module_layout', 'struct module', 'struct device']},
		],
	};
	const asked: string[] = [];
	const explain = async (symbol: string, from: string, to: string) => {
		asked.push(`${symbol} ${from}→${to}`);
		return symbol === 'module_layout' ? {explanation} : {unavailable: 'not in this test'};
	};

	const {frameWhere, stdin} = mount(t, data, small, {explain});
	await press(stdin, keys.enter);
	await frameWhere(/method: symtypes, verified/);
	await press(stdin, 'G');
	const text = await frameWhere(/became opaque \(only declared, \{ UNKNOWN \}\)/);
	t.deepEqual(asked, ['module_layout 47→56']);
	t.regex(text, /struct task_struct: size 9792 → 9800 bytes/);
	t.regex(text, /^ {2}via module_layout → struct module → struct device$/m);
	t.regex(text, /^struct device$/m);
});

test.serial('an image leaves imports undecided: ? in the matrix, the strip, the rows and the kernel detail; q exits 3', async t => {
	// What a vmlinuz tells: vmlinux's exports only (derived from the build's Module.symvers, as test/verdict/undecided.test.ts does).
	// The complete kernel: Debian's Module.symvers plus the DKMS build's (compat_xtables exports HX_memmem).
	const [symvers, dkms] = await loadKernels(flagsFor([kernel47, `dkms=${fixture('dkms', '6.1.0-47-amd64', 'Module.symvers')}`]));
	const complete = {...symvers!, exports: new MapTable([...symvers!.exports.all(), ...dkms!.exports.all()])};
	const image = {...symvers!, label: 'img47', kind: 'vmlinuz' as const, modulesIncluded: false, exports: new MapTable([...symvers!.exports.all()].filter(entry => entry.module === 'vmlinux'))};
	const modules = await loadModules([fixture('dkms', '6.1.0-47-amd64', 'xt_ipp2p.ko'), fixture('dkms', '6.1.0-47-amd64', 'vpoll.ko')]);
	const many = checkExplorerData(buildCheckReport(modules, [image, complete], {missingVersion: 'fatal'}), [image, complete]);
	t.is(exitCode(many), 3);
	const {frame, frameWhere, stdin} = mount(t, many);
	let text = frame();
	t.regex(text, /✗ 0 combinations fail · \? 1 undecided/);
	t.regex(text, /›\? xt_ipp2p +\? undecided +✓ loads/);
	t.regex(text, /\n ✓ vpoll +✓ loads +✓ loads/);
	await press(stdin, keys.enter);
	text = await frameWhere(/\? img47\s+undecided: nothing fails, but 3 imports cannot be decided/);
	t.regex(text, /\? HX_memmem\s+0x55bffe85\s+\? not listed\s+✓ 0x55bffe85/);
	await press(stdin, keys.tab, keys.enter);
	text = await frameWhere(/Kernel img47/);
	t.regex(text, /⚠ vermagic not checked: the kernel source does/);
	t.regex(text, /\? HX_memmem: not exported by vmlinux, and img47/);
	t.regex(text, /\? xt_unregister_matches: not exported by\s+│? *vmlinux, and img47 \(vmlinuz\) does not list its/);
});

test.serial('several modules: the matrix first, Enter drills into one, Esc back', async t => {
	const modules = [myDrv, fixture('modules', '6.1.0-47-amd64', 'nls_utf8.ko'), fixture('modules', '6.1.0-47-amd64', 'dummy.ko')];
	const many = await loadCheck(modules.filter(file => {
		try {
			readFileSync(file);
			return true;
		} catch {
			return false;
		}
	}));
	const {frame, frameWhere, stdin} = mount(t, many);
	t.regex(frame(), /modules × 2 kernels/);
	t.regex(frame(), /›✗ my_drv\s+✓ loads\s+✗ module_layout /);
	await press(stdin, keys.enter);
	await frameWhere(/✗ 56\s+fails at module_layout/);
	await press(stdin, keys.escape);
	await frameWhere(/modules × 2 kernels/);
});

test.serial('the modules matrix: a long name is cut and never runs into the next column; / and m work there, as the help says', async t => {
	const many = await loadCheck([fixture('dkms', '6.1.0-47-amd64'), myDrv]);
	if (many.mode !== 'check') {
		throw new Error('check data expected');
	}

	// A real name of lttng-modules (lttng-counter-client-percpu-32-modular.ko): longer than a column.
	many.report.modules[1]!.name = 'lttng_counter_client_percpu_32_modular';
	const narrow = {columns: 60, rows: 24};
	const {frame, frameWhere, stdin} = mount(t, many, narrow);
	let text = frame();
	assertFits(t, text, narrow);
	t.regex(text, /\n {3}module {17}47 {15}56 *\n/);
	t.regex(text, /\n ✗ lttng_counter_client_… ✓ loads {10}✗ module_layout *\n/);
	for (const line of text.split('\n').filter(line => /^[ ›][✓✗?] /.test(line))) {
		// Name, then at least one space, then each cell's mark: never glued together.
		t.regex(line, /^[ ›][✓✗?] \S+ +[✓✗?] \S+ +[✓✗?] /, line);
	}

	await press(stdin, '/', 'i', 'p', 'p');
	text = await frameWhere(/4 of 5 modules · \/ipp▏ 1\/1/);
	t.regex(text, /›✗ xt_ipp2p/);
	await press(stdin, keys.enter, keys.escape, 'm');
	text = await frameWhere(/problems only \(0 of 5 hidden\)/);
	t.regex(text, /4 of 5 modules/);
});

test.serial('kernel-vs-kernel: 24,702 exports, End and PgUp stay within the frame', async t => {
	const {frame, frameWhere, stdin} = mount(t, diff);
	let text = frame();
	assertFits(t, text, wide);
	t.regex(text, /47 → 56 · 24,702 exports · ✗ 18,254 CRC changed · \+ 84 added · − 19 removed/);
	await press(stdin, keys.end);
	text = await frameWhere(/24702 of 24702/);
	assertFits(t, text, wide);
	await press(stdin, keys.pageUp, keys.ctrlU);
	text = await frameWhere(now => Number(/(\d+) of 24702/.exec(now)?.[1] ?? 24_702) < 24_702);
	t.regex(text, /24\d{3} of 24702/);
	await press(stdin, 'm', 'g');
	await frameWhere(/1 of 18357/);
});

test.serial('kernel diff grouped by cause (BTF): c lists the type changes, Enter shows one\'s exports, Enter on one shows the types it reaches', async t => {
	const kernels = (diff as Extract<ExplorerData, {mode: 'diff'}>).kernels;
	const types = [`47=${fixture('btf/debian-6.1.0-47-amd64.btf.gz')}`, `56=${fixture('btf/debian-6.1.0-56-amd64.btf.gz')}`];
	const {diff: grouped} = await buildKernelDiff(kernels, {...flagsFor([kernel47, kernel56]), types});
	const position = grouped.grouping!.groups.findIndex(group => group.type === 'struct task_struct');
	const {frameWhere, stdin} = mount(t, diffExplorerData(kernels, grouped));
	await press(stdin, 'c');
	let text = await frameWhere(/CRC changes by cause, from BTF \(an over-approximation/);
	assertFits(t, text, wide);
	t.regex(text, /› +24,702 {2}every export/);
	await press(stdin, ...Array.from({length: position + 1}, () => 'j'));
	text = await frameWhere(/› {7}3 {2}struct task_struct: \+ user_dumpable, \+ kstack_offset/);
	assertFits(t, text, wide);
	await press(stdin, keys.enter);
	text = await frameWhere(/cause \d+\/\d+: struct task_struct/);
	t.regex(text, /1 of 3\b/);
	await press(stdin, keys.enter);
	// The reached type changes come after the why (the exact answer, when there is one).
	await frameWhere(/Why the CRC changed/);
	await press(stdin, 'G');
	text = await frameWhere(/struct user_struct: \+ perf_mlock \(3 exports\)/);
	t.regex(text, /of 79 lines/);
	const data = diffExplorerData(kernels, grouped);
	const row = data.tables[0]!.find(candidate => candidate.name === 'kmalloc_trace')!;
	const lines = symbolDetailLines(data, 0, row, new Map(), 200).map(line => line.map(part => part.text).join(''));
	t.true(lines.includes('Changed types it reaches (BTF, approximate)'));
	t.true(lines.includes('struct task_struct: + user_dumpable, + kstack_offset (3 exports)'));
});

test.serial('Rust kernels: the table shows demangled names; a rehashed export\'s detail names it in each kernel', async t => {
	const rust = (name: string) => fixture('kernels', 'debian-7.2-rust', name);
	const explorer = await loadDiff([`12=${rust('symvers-7.2.12+deb13-amd64.gz')}`, `13=${rust('symvers-7.2.13+deb14-amd64.gz')}`]);
	const {frameWhere, stdin} = mount(t, explorer);
	let text = await frameWhere(/symbol/);
	assertFits(t, text, wide);
	t.notRegex(text, /\n.{3}_R/);
	// Search finds the demangled name; Enter opens the detail.
	await press(stdin, '/', 'cstr>::to_str', keys.enter);
	text = await frameWhere(/›⚠ <core::ffi::c_str::CStr>::to_str +✓ none +⚠ none +rehash/);
	assertFits(t, text, wide);
	await press(stdin, keys.enter);
	text = await frameWhere(/Rust symbol, its name in each kernel below/);
	assertFits(t, text, wide);
	const row = explorer.tables[0]!.find(candidate => candidate.label === '<core::ffi::c_str::CStr>::to_str')!;
	const lines = symbolDetailLines(explorer, 0, row, new Map(), 200).map(line => line.map(part => part.text).join(''));
	t.true(lines.includes('      _RNvMs4_NtNtCs2lKf6AS60Zg_4core3ffi5c_strNtB5_4CStr6to_str'));
	t.true(lines.includes('      _RNvMs3_NtNtCsbZfwWpAStWS_4core3ffi5c_strNtB5_4CStr6to_str'));
	// The mangled name finds it too.
	t.true(row.key.includes('_rnvms4_ntntcs2lkf6as60zg_4core3ffi5c_strntb5_4cstr6to_str'));
});

test.serial('a Rust module: its imports by their demangled names; the detail says the kernel has them under another build hash', async t => {
	const module = fixture('modules', 'debian-7.2-rust', 'ax88796b_rust-7.2.12+deb13-amd64.ko.xz');
	const explorer = await loadCheck([module], [`13=${fixture('kernels', 'debian-7.2-rust', 'symvers-7.2.13+deb14-amd64.gz')}`]);
	const {frameWhere, stdin} = mount(t, explorer);
	await press(stdin, '/', 'genphy_read', keys.enter);
	let text = await frameWhere(/›✗ <kernel::net::phy::Device>::genphy_read_lpa +\(none\) +✗ missing/);
	assertFits(t, text, wide);
	await press(stdin, keys.enter);
	// The status line names the symbol as the module spells it; the detail explains.
	text = await frameWhere(/\n_RNvMNtNtCsb5MLIFMWygY_6kernel3net3phyNtB2_6Device15genphy_read_lpa · 1 of 13/);
	assertFits(t, text, wide);
	t.regex(text.replaceAll(/\s+│?\s*/g, ' '), /under another build hash/);
});
