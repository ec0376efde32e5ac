import test from 'ava';
import {candidatesNote} from '../../source/engine/narrow-btf.js';
import {fixture} from '../helpers/paths.js';
import {runCli} from '../helpers/run-cli.js';

/* Wordings users read: each says what is true of the case in hand. */

test('a kernel the module does not load on is never told "loads, but taints": the out-of-tree taint is said as the kernel logs it', t => {
	const result = runCli(['check', fixture('modules/my_drv-6.1.0-47-amd64.ko'), '-k', `56=${fixture('kernels/6.1.0-56-amd64/Module.symvers.gz')}`, '--json']);
	const json = JSON.parse(result.stdout) as {modules: Array<{results: Array<{verdict: string; warnings: Array<{kind: string; log: string[]; message: string}>}>}>};
	const [verdict] = json.modules[0]!.results;
	t.is(verdict!.verdict, 'fails');
	const taint = verdict!.warnings.find(warning => warning.kind === 'out_of_tree')!;
	// kernel/module/main.c's own line (kernel-facts §1.3).
	t.deepEqual(taint.log, ['my_drv: loading out-of-tree module taints kernel.']);
	t.notRegex(taint.message, /\bloads\b/);
	for (const format of [[], ['--format', 'markdown']]) {
		const report = runCli(['check', fixture('modules/my_drv-6.1.0-47-amd64.ko'), '-k', `56=${fixture('kernels/6.1.0-56-amd64/Module.symvers.gz')}`, ...format]).stdout;
		t.notRegex(report, /loads, but taints/);
		t.regex(report, /out-of-tree module: loading it taints the kernel \(O\)/);
	}
});

test('"1 of the 44 candidate types is defined": the verb agrees with the count', t => {
	t.regex(candidatesNote(1, 44, '<linux/slab.h>', 'kmalloc_trace'), /^1 of the 44 candidate types is defined by <linux\/slab\.h>, which declares kmalloc_trace: genksyms hashed it in/);
	t.regex(candidatesNote(3, 44, '<linux/miscdevice.h>', 'misc_register'), /^3 of the 44 candidate types are defined by .*: genksyms hashed them in/);
	t.regex(candidatesNote(0, 1, '<linux/fs.h>', 'noop_llseek'), /^0 of the 1 candidate type are defined/);
});

test('why on kernels without modversions (7.2.12 → 7.2.13) asks for no "exact answer" or source tarball: no CRC exists to reproduce', t => {
	const kernel = (release: string) => fixture('kernels', release);
	const result = runCli(['why', 'usb_stor_suspend', '-k', kernel('7.2.12+deb13-amd64'), '-k', kernel('7.2.13+deb14-amd64')]);
	t.is(result.code, 2);
	t.notRegex(result.stderr, /exact answer|linux-source|tarball|linux-headers/);
	// What can still explain it there: the kernels' BTF.
	t.regex(result.stderr, /give their BTF: --types 7\.2\.12\+deb13-amd64=.* --types 7\.2\.13\+deb14-amd64=/);
});
