import {copyFileSync, mkdirSync, symlinkSync} from 'node:fs';
import path from 'node:path';
import test, {type ExecutionContext} from 'ava';
import type {CheckReport} from '../../source/report/check-report.js';
import {findModules} from '../../source/module/find-modules.js';
import {temporaryDirectory} from '../helpers/derive.js';
import {fixture} from '../helpers/paths.js';
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
