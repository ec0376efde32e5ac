import {spawnSync} from 'node:child_process';
import {chmodSync, copyFileSync, cpSync, existsSync, mkdirSync, symlinkSync} from 'node:fs';
import path from 'node:path';
import test, {type ExecutionContext} from 'ava';
import type {CheckReport} from '../../source/engine/check-report.js';
import {findModules} from '../../source/module/find-modules.js';
import {temporaryDirectory} from '../helpers/derive.js';
import {needs, oracleProgram} from '../helpers/oracles.js';
import {cliPath, fixture} from '../helpers/paths.js';
import {runCli} from '../helpers/run-cli.js';

/*
RHEL's /lib/modules/R/weak-updates/ is all symbolic links into another kernel's extra/: a scan
that skips links misses exactly the modules that matter. Links to modules and to directories are
followed; loops (a link to an ancestor, to itself) end; each module is reported once, under the
first path in the given tree that reaches it; dangling links are skipped.
*/

function tree(t: ExecutionContext) {
	const root = temporaryDirectory(t, 'tree');
	const other = path.join(root, 'other-kernel', 'extra');
	const modules = path.join(root, 'lib-modules-R');
	mkdirSync(other, {recursive: true});
	mkdirSync(path.join(modules, 'kernel', 'fs'), {recursive: true});
	mkdirSync(path.join(modules, 'weak-updates'), {recursive: true});
	copyFileSync(fixture('modules', '6.1.0-47-amd64', 'nls_utf8.ko'), path.join(modules, 'kernel', 'fs', 'nls_utf8.ko'));
	copyFileSync(fixture('modules', 'my_drv-6.1.0-47-amd64.ko'), path.join(other, 'my_drv.ko'));
	copyFileSync(fixture('modules', '6.1.0-47-amd64', 'dummy.ko'), path.join(other, 'dummy.ko'));
	// A module linked in by name, a directory linked in whole (dummy.ko and my_drv.ko again through it).
	symlinkSync(path.join(other, 'my_drv.ko'), path.join(modules, 'weak-updates', 'my_drv.ko'));
	symlinkSync(path.join('..', '..', 'other-kernel', 'extra'), path.join(modules, 'weak-updates', 'vendor'));
	// Loops: to the top of the tree, to the directory itself; and a link to nothing.
	symlinkSync('..', path.join(modules, 'weak-updates', 'up'));
	symlinkSync('.', path.join(modules, 'kernel', 'fs', 'self'));
	symlinkSync(path.join(root, 'missing.ko'), path.join(modules, 'weak-updates', 'gone.ko'));
	return {modules};
}

test('a directory scan follows links to modules and directories, each module once, loops ended', t => {
	const {modules} = tree(t);
	const found = findModules([modules]).map(file => path.relative(modules, file));
	t.deepEqual(found, [
		path.join('kernel', 'fs', 'nls_utf8.ko'),
		path.join('weak-updates', 'my_drv.ko'),
		path.join('weak-updates', 'vendor', 'dummy.ko'),
	]);
});

test('check of a weak-updates tree reports the linked modules, under the path given', t => {
	const {modules} = tree(t);
	const result = runCli(['check', modules, '-k', `47=${fixture('kernels', '6.1.0-47-amd64', 'Module.symvers.gz')}`, '--json']);
	t.is(result.code, 0, result.stderr);
	const report = JSON.parse(result.stdout) as CheckReport;
	t.deepEqual(report.modules.map(module => [module.name, path.relative(modules, module.path)]), [
		['nls_utf8', path.join('kernel', 'fs', 'nls_utf8.ko')],
		['my_drv', path.join('weak-updates', 'my_drv.ko')],
		['dummy', path.join('weak-updates', 'vendor', 'dummy.ko')],
	]);
});

// ---- issue 22, finding 5: scans and pseudo-filesystems, unreadable directories --------------------------

test('a scan given links to /proc, /sys and /dev does not enter them: one warning each, and the modules found', t => {
	const root = temporaryDirectory(t, 'tree');
	copyFileSync(fixture('modules', 'my_drv-6.1.0-47-amd64.ko'), path.join(root, 'my_drv.ko'));
	const places = ['/dev', '/proc', '/sys'].filter(place => existsSync(place));
	for (const place of places) {
		symlinkSync(place, path.join(root, place.slice(1)));
	}

	const skipped: string[] = [];
	t.deepEqual(findModules([root], {onSkipped: (directory, reason) => skipped.push(`${path.relative(root, directory)}: ${reason}`)}), [path.join(root, 'my_drv.ko')]);
	t.deepEqual(skipped, places.map(place => `${place.slice(1)}: ${place} is a pseudo-filesystem: not searched`));
	const result = runCli(['check', root, '-k', `47=${fixture('kernels', '6.1.0-47-amd64', 'Module.symvers.gz')}`, '--json']);
	t.is(result.code, 0, result.stderr);
	t.is(result.stderr, places.map(place => `kmodx: warning: ${path.join(root, place.slice(1))}: ${place} is a pseudo-filesystem: not searched\n`).join(''));
});

needs('root', 'setpriv')('an unreadable directory deep in a scan is a warning, not the end of the run', t => {
	const root = temporaryDirectory(t, 'tree');
	chmodSync(root, 0o755);
	mkdirSync(path.join(root, 'a', 'locked'), {recursive: true});
	mkdirSync(path.join(root, 'b'));
	copyFileSync(fixture('modules', '6.1.0-47-amd64', 'dummy.ko'), path.join(root, 'a', 'locked', 'dummy.ko'));
	copyFileSync(fixture('modules', 'my_drv-6.1.0-47-amd64.ko'), path.join(root, 'b', 'my_drv.ko'));
	chmodSync(path.join(root, 'a', 'locked'), 0o000);
	// Nobody may not be able to enter the clone (CI's may be mode 0700): kmodx and the kernel are
	// copied where nobody reads them.
	const copies = temporaryDirectory(t, 'nobody');
	chmodSync(copies, 0o755);
	const cli = path.join(copies, 'bin', path.basename(cliPath));
	cpSync(path.dirname(cliPath), path.dirname(cli), {recursive: true});
	const symvers = path.join(copies, 'Module.symvers.gz');
	copyFileSync(fixture('kernels', '6.1.0-47-amd64', 'Module.symvers.gz'), symvers);
	// Root reads anything: the scan runs as nobody, as a user would.
	const result = spawnSync(oracleProgram('setpriv'), ['--reuid=65534', '--regid=65534', '--clear-groups', '--', process.execPath, cli, 'check', root, '-k', `47=${symvers}`, '--json'], {
		encoding: 'utf8', env: {PATH: process.env['PATH'], HOME: '/nonexistent', KMODX_NO_CACHE: '1', NO_COLOR: '1'}, timeout: 60_000,
	});
	t.is(result.status, 0, result.stderr);
	t.is(result.stderr, `kmodx: warning: ${path.join(root, 'a', 'locked')}: permission denied: not searched\n`);
	t.deepEqual((JSON.parse(result.stdout) as CheckReport).modules.map(module => module.path), [path.join(root, 'b', 'my_drv.ko')]);
	// The directory given is another matter: unreadable, it is bad input.
	const given = spawnSync(oracleProgram('setpriv'), ['--reuid=65534', '--regid=65534', '--clear-groups', '--', process.execPath, cli, 'check', path.join(root, 'a', 'locked'), '-k', `47=${symvers}`], {
		encoding: 'utf8', env: {PATH: process.env['PATH'], HOME: '/nonexistent', KMODX_NO_CACHE: '1'}, timeout: 60_000,
	});
	t.is(given.status, 2);
	t.is(given.stderr, `kmodx: ${path.join(root, 'a', 'locked')}: permission denied\n`);
});
