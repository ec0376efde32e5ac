import {spawnSync} from 'node:child_process';
import {existsSync, readdirSync} from 'node:fs';
import path from 'node:path';
import process from 'node:process';
import test from 'ava';
import {atExit, temporaryDirectory} from '../helpers/derive.js';
import {fixture, repoRoot} from '../helpers/paths.js';
import {runCli} from '../helpers/run-cli.js';

/** npm as `npm test` runs it (npm_execpath), else the one on PATH. */
function npm(args: string[], cwd: string, env: NodeJS.ProcessEnv = {}) {
	const execPath = process.env['npm_execpath'];
	const [command, prefix] = execPath?.endsWith('.js') ? [process.execPath, [execPath]] : ['npm', []];
	// No registry can be reached: whatever the install needs must be in the tarball.
	return spawnSync(command, [...prefix, ...args], {cwd, encoding: 'utf8', timeout: 600_000, env: {...process.env, ...env, npm_config_registry: 'http://127.0.0.1:9/', npm_config_offline: 'true', npm_config_audit: 'false', npm_config_fund: 'false', npm_config_update_notifier: 'false'}});
}

const directory = temporaryDirectory(atExit, 'package');

/** `npm pack` of the built tree (the test runs after `npm run build`; the scripts are not run again). */
function pack(): string {
	const packed = npm(['pack', '--ignore-scripts', '--pack-destination', directory], repoRoot);
	if (packed.status !== 0) {
		throw new Error(packed.stderr);
	}

	return path.join(directory, packed.stdout.trim().split('\n').at(-1)!);
}

const tarball = pack();

test('npm pack: the tarball holds the bundle, the licenses and nothing of the development tree', t => {
	const listed = spawnSync('tar', ['-tzf', tarball], {encoding: 'utf8'}).stdout.trim().split('\n').map(name => name.replace(/^package\//, ''));
	t.true(listed.includes('build/bin/kmodx.cjs'));
	t.true(listed.includes('build/bin/cli.js'));
	t.true(listed.includes('build/bin/THIRD-PARTY-LICENSES.txt'));
	t.true(listed.includes('LICENSE'));
	t.true(listed.includes('NOTICE.md'));
	t.true(listed.includes('hooks/zz-kmodx'));
	t.true(listed.includes('hooks/90-kmodx.install'));
	t.true(listed.includes('build/man/kmodx.1'));
	t.true(listed.includes('build/completions/kmodx.bash'));
	t.deepEqual(listed.filter(name => !/^(build\/(bin|man|completions)\/|hooks\/|LICENSE$|NOTICE\.md$|README\.md$|package\.json$)/.test(name)), []);
});

test('installed offline into an empty prefix: one package, no dependency to download, and it checks a module as the clone does', t => {
	const prefix = path.join(directory, 'prefix');
	const installed = npm(['install', '--global', '--ignore-scripts', '--prefix', prefix, tarball], directory);
	t.is(installed.status, 0, installed.stderr);
	t.deepEqual(readdirSync(path.join(prefix, 'lib', 'node_modules')), ['kmodx']);
	t.false(existsSync(path.join(prefix, 'lib', 'node_modules', 'kmodx', 'node_modules')), 'no dependencies installed');
	t.true(existsSync(path.join(prefix, 'share', 'man', 'man1', 'kmodx.1')), 'man kmodx');
	const binary = path.join(prefix, 'bin', 'kmodx');
	const run = (args: string[]) => spawnSync(binary, args, {cwd: directory, encoding: 'utf8', timeout: 600_000, env: {...process.env, NO_COLOR: '1'}});
	// check (the CommonJS binary) and plan (the ES-module CLI it loads): the same report as the clone's build.
	const module = fixture('modules/my_drv-6.1.0-47-amd64.ko');
	const kernels = ['-k', `47=${fixture('kernels/6.1.0-47-amd64/Module.symvers.gz')}`, '-k', `56=${fixture('kernels/6.1.0-56-amd64/Module.symvers.gz')}`];
	for (const args of [['check', module, ...kernels], ['plan', module, ...kernels], ['--version']]) {
		const result = run(args);
		const clone = runCli(args, {cwd: directory});
		t.is(result.stderr, clone.stderr, args[0]);
		t.is(result.status, clone.code, args[0]);
		t.is(result.stdout, clone.stdout, args[0]);
	}

	t.regex(run(['check', module, ...kernels]).stdout, /✗ 56 {2}fails at module_layout/);
});

test('npx runs the tarball offline', t => {
	const result = npm(['exec', '--yes', `--package=${tarball}`, '--', 'kmodx', '--version'], directory, {npm_config_cache: path.join(directory, 'npm-cache')});
	t.is(result.status, 0, result.stderr);
	t.regex(result.stdout, /^\d+\.\d+\.\d+\n$/);
});
