import {spawnSync} from 'node:child_process';
import {lstatSync, mkdirSync, readdirSync, readFileSync, symlinkSync, writeFileSync} from 'node:fs';
import path from 'node:path';
import test, {type ExecutionContext} from 'ava';
import {temporaryDirectory} from '../helpers/derive.js';
import {fixture} from '../helpers/paths.js';
import {runCli} from '../helpers/run-cli.js';

/*
`-o PATH --force` replaces a regular file and nothing else: run as root, `-o /dev/null --force`
replaced the system's /dev/null. A FIFO (mkfifo), a directory, a symbolic link to either, are
refused with one line and exit 2; nothing is written, no temporary file is left.
*/

const myDrv = fixture('modules', 'my_drv-6.1.0-47-amd64.ko');
const kernel47 = `47=${fixture('kernels', '6.1.0-47-amd64', 'Module.symvers.gz')}`;
const modules47 = fixture('modules', '6.1.0-47-amd64');

function fifo(t: ExecutionContext, directory: string, name: string): string {
	const file = path.join(directory, name);
	const made = spawnSync('mkfifo', [file]);
	t.is(made.status, 0, String(made.stderr));
	return file;
}

for (const [label, args] of [['one module', [myDrv]], ['a directory scan (streamed into the file)', [modules47]]] as const) {
	test(`-o --force refuses a FIFO, a directory and a link to a FIFO: ${label}`, t => {
		const directory = temporaryDirectory(t, 'output');
		const targets = {
			FIFO: fifo(t, directory, 'report.fifo'),
			directory: path.join(directory, 'a-directory'),
			'symbolic link to a FIFO': path.join(directory, 'link'),
		};
		mkdirSync(targets.directory);
		symlinkSync(targets.FIFO, targets['symbolic link to a FIFO']);
		const before = readdirSync(directory).sort();
		for (const [kind, target] of Object.entries(targets)) {
			for (const format of [[], ['--json']]) {
				const result = runCli(['check', ...args, '-k', kernel47, '-o', target, '--force', ...format]);
				t.is(result.code, 2, `${kind}: ${result.stderr}`);
				t.is(result.stdout, '');
				t.regex(result.stderr, new RegExp(`^kmodx: ${target.replaceAll(/[.*+?^${}()|[\]\\]/g, '\\$&')}: is (a symbolic link to )?a (FIFO|directory): -o --force replaces only regular files\n$`), kind);
			}
		}

		t.deepEqual(readdirSync(directory).sort(), before, 'nothing written, no temporary file left');
		t.true(lstatSync(targets.FIFO).isFIFO());
		t.true(lstatSync(targets['symbolic link to a FIFO']).isSymbolicLink());
	});
}

test('-o --force still replaces a regular file; without --force a FIFO is an existing file', t => {
	const directory = temporaryDirectory(t, 'output');
	const file = path.join(directory, 'report.txt');
	writeFileSync(file, 'old');
	const replaced = runCli(['check', myDrv, '-k', kernel47, '-o', file, '--force']);
	t.is(replaced.code, 0, replaced.stderr);
	t.regex(readFileSync(file, 'utf8'), /my_drv/);
	const target = fifo(t, directory, 'report.fifo');
	const refused = runCli(['check', myDrv, '-k', kernel47, '-o', target]);
	t.is(refused.code, 2);
	t.regex(refused.stderr, /already exists \(use --force to overwrite\)\n$/);
	t.deepEqual(readdirSync(directory).sort(), ['report.fifo', 'report.txt']);
});
