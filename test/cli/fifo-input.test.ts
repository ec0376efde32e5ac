import {execFileSync, spawnSync} from 'node:child_process';
import path from 'node:path';
import test from 'ava';
import {temporaryDirectory} from '../helpers/derive.js';
import {cliPath, fixture, repoRoot} from '../helpers/paths.js';
import {runCli} from '../helpers/run-cli.js';

/*
A FIFO given as a module, a kernel (-k) or type information (--types) blocked forever in open(),
waiting for a writer. Inputs are opened without blocking: a FIFO nothing writes to is one line
and exit 2; a pipe that is written to (`-k <(zcat …)`) is still read.
*/

const myDrv = fixture('modules', 'my_drv-6.1.0-47-amd64.ko');
const symvers47 = fixture('kernels', '6.1.0-47-amd64', 'Module.symvers.gz');

function fifo(directory: string, name: string): string {
	const file = path.join(directory, name);
	execFileSync('mkfifo', [file]);
	return file;
}

test('a FIFO without a writer as a module, in a scan, as -k and as --types: one line, exit 2, no wait', t => {
	const directory = temporaryDirectory(t, 'fifo');
	const module = fifo(directory, 'module.ko');
	const kernel = fifo(directory, 'Module.symvers');
	const types = fifo(directory, 'vmlinux.btf');
	const cases: Array<[string[], string]> = [
		[['check', module, '-k', `47=${symvers47}`], `${module}: is a FIFO that nothing writes to: not a kernel module`],
		[['check', module, myDrv, '-k', `47=${symvers47}`], `${module}: is a FIFO that nothing writes to: not a kernel module`],
		[['check', myDrv, '-k', `47=${kernel}`], `${kernel}: is a FIFO that nothing writes to: not a kernel image, Module.symvers or config`],
		[['why', 'module_layout', '-k', `47=${symvers47}`, '-k', `56=${fixture('kernels', '6.1.0-56-amd64', 'Module.symvers.gz')}`, '--types', `47=${types}`], `${types}: not a regular file or directory`],
	];
	for (const [args, message] of cases) {
		const result = runCli(args);
		t.is(result.code, 2, `${args.join(' ')}: ${result.stderr}`);
		t.is(result.stderr, `kmodx: ${message}\n`);
		t.is(result.stdout, '');
	}
});

test('a pipe that is written to is read: -k <(zcat Module.symvers.gz) and a module through cat', t => {
	const result = spawnSync('bash', ['-c', `"${process.execPath}" "${cliPath}" check <(sleep 0.2; cat "${myDrv}") -k 47=<(sleep 0.3; zcat "${symvers47}") --json`], {cwd: repoRoot, encoding: 'utf8', timeout: 600_000});
	t.is(result.status, 0, result.stderr);
	const report = JSON.parse(result.stdout) as {modules: Array<{name: string; results: Array<{loads: boolean}>}>};
	t.is(report.modules[0]!.name, 'my_drv');
	t.true(report.modules[0]!.results[0]!.loads);
});
