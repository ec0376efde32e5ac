import test from 'ava';
import {runCli} from '../helpers/run-cli.js';
import {fixture} from '../helpers/paths.js';

/* What a user sees on Linux 7.x (fixtures cut from Debian 7.2.12-1~bpo13+1 and 7.2.13-1). */
const r12 = '7.2.12+deb13-amd64';
const r13 = '7.2.13+deb14-amd64';
const kernel12 = fixture('kernels', r12);
const kernel13 = fixture('kernels', r13);

test('check: no versioned imports claimed, no modversions taint or module_layout line, whole-vermagic refusal', t => {
	const result = runCli(['check', fixture('modules', r12, 'usb-storage.ko.xz'), '-k', kernel12, '-k', kernel13]);
	t.is(result.code, 1, result.stderr);
	t.regex(result.stdout, /\d+ imports, no __versions/);
	t.notRegex(result.stdout, /versioned import|module_layout|kernel tainted|\bforced\b/);
	t.regex(result.stdout, new RegExp(`✓ ${r12.replaceAll('+', '\\+')}\\s+loads\\n`));
	t.regex(result.stdout, /version magic '7\.2\.12\+deb13-amd64 SMP preempt mod_unload ' should be '7\.2\.13\+deb14-amd64 SMP preempt mod_unload '/);
	t.regex(result.stdout, /ABI groups: \{7\.2\.12\+deb13-amd64\} \{7\.2\.13\+deb14-amd64\}: 2 builds needed/);
});

test('why on kernels without symbol versions never says "the same CRC"', t => {
	const result = runCli(['why', 'usb_stor_suspend', '-k', kernel12, '-k', kernel13]);
	t.notRegex(result.stdout + result.stderr, /same CRC/);
	// These fixtures carry no BTF: nothing to compare, said in one line.
	t.is(result.code, 2);
	t.regex(result.stderr, /^kmodx: cannot explain usb_stor_suspend \(no CRC to compare either: the kernels have no symbol versions, CONFIG_MODVERSIONS off\)/);
	t.is(result.stderr.trim().split('\n').length, 1);
});

test('the kernel diff of two 7.2 releases says they carry no symbol versions; JSON says modversions false', t => {
	const text = runCli(['-k', kernel12, '-k', kernel13]);
	t.is(text.code, 1);
	t.regex(text.stdout, /0 CRC changed/);
	t.regex(text.stdout, /Neither kernel has symbol versions \(CONFIG_MODVERSIONS off\)/);
	const json = JSON.parse(runCli(['-k', kernel12, '-k', kernel13, '--json']).stdout) as {kernels: Array<{modversions: boolean | null}>; summary: {crc: number}};
	t.deepEqual(json.kernels.map(kernel => kernel.modversions), [false, false]);
	t.is(json.summary.crc, 0);
});
