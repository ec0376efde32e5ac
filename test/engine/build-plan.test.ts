import {spawnSync} from 'node:child_process';
import {copyFileSync} from 'node:fs';
import path from 'node:path';
import test from 'ava';
import {buildPlan} from '../../source/engine/build-plan.js';
import {scanPlan} from '../../source/scan/scan-plan.js';
import {findModules} from '../../source/module/find-modules.js';
import {readModuleFile} from '../../source/module/read-module.js';
import {loadKernel} from '../../source/kernel/load-kernel.js';
import {propagateRebuilds, weakModule, type WeakModule} from '../../source/engine/weak-modules.js';
import {moduleReport} from '../../source/engine/check-report.js';
import {parseFailOn} from '../../source/engine/fail-on.js';
import {readGzipText, temporaryDirectory} from '../helpers/derive.js';
import {fixtureModule, kernelDirectory, symversKernel, type Release} from '../helpers/kernels.js';
import {needs, oracleProgram} from '../helpers/oracles.js';
import {cliPath, fixture} from '../helpers/paths.js';

const policy = {missingVersion: 'fatal'} as const;
const amd64 = async () => Promise.all([symversKernel('6.1.0-47-amd64', '47'), symversKernel('6.1.0-50-amd64', '50'), symversKernel('6.1.0-56-amd64', '56')]);

test('my_drv on 47, 50, 56: three builds, module_layout first of the 11 splitting symbols, 10 identical', async t => {
	const plan = buildPlan([await fixtureModule('my_drv-6.1.0-47-amd64.ko')], await amd64(), policy);
	t.is(plan.schema, 'kmodx.plan/1');
	t.false(plan.one_binary);
	t.deepEqual(plan.builds.map(build => build.kernels), [['47'], ['50'], ['56']]);
	t.deepEqual(plan.builds.map(build => [build.build_against, build.current_binary]), [['47', true], ['50', false], ['56', false]]);
	t.is(plan.splitting_symbols[0]!.name, 'module_layout');
	t.deepEqual(plan.splitting_symbols[0]!.crcs, {47: '0x160c03af', 50: '0xbce1a965', 56: '0x9060323f'});
	t.is(plan.splitting_symbols.length, 11);
	t.is(plan.identical_symbols.length, 10);
	t.regex(plan.verdict, /^One binary cannot load on all 3 kernels: they disagree on module_layout and 10 more symbols\. 3 builds/);
});

/** The independent answer: modprobe --dump-modversions joined with each Module.symvers. */
function referenceSplit(module: string, releases: Release[]): {splitting: string[]; identical: string[]} {
	const versions = spawnSync(oracleProgram('modprobe'), ['--dump-modversions', module], {encoding: 'utf8'}).stdout.trim().split('\n').map(line => line.split('\t')[1]!);
	const tables = releases.map(release => new Map(readGzipText(fixture('kernels', release, 'Module.symvers.gz')).split('\n').map(line => line.split('\t')).map(([crc, name]) => [name, crc])));
	const splitting = versions.filter(name => new Set(tables.map(table => table.get(name))).size > 1).sort();
	const identical = versions.filter(name => !splitting.includes(name)).sort();
	return {splitting, identical};
}

for (const module of ['6.1.0-47-amd64/nls_utf8.ko', '6.1.0-47-amd64/uas.ko', '6.1.0-56-amd64/usb-storage.ko', 'my_drv-6.1.0-47-amd64.ko']) {
	needs('modprobe')(`plan of ${module} agrees with modprobe --dump-modversions joined with each Module.symvers`, async t => {
		const plan = buildPlan([await fixtureModule(...module.split('/'))], await amd64(), policy);
		const reference = referenceSplit(fixture('modules', module), ['6.1.0-47-amd64', '6.1.0-50-amd64', '6.1.0-56-amd64']);
		t.deepEqual(plan.splitting_symbols.map(symbol => symbol.name).sort(), reference.splitting);
		t.deepEqual(plan.identical_symbols.map(symbol => symbol.name).sort(), reference.identical);
		// module_layout differs between every pair of these kernels: no module shares a build.
		t.deepEqual(plan.builds.map(build => build.kernels), [['47'], ['50'], ['56']]);
	});
}

test('kernels that agree on every import share one build; a kernel lacking an import is named', async t => {
	const nls = await fixtureModule('6.1.0-47-amd64', 'nls_utf8.ko');
	const [k47] = await amd64();
	// 47 with another CRC for a symbol nls_utf8 does not use: same ABI for this module.
	const sibling = await kernelDirectory(t, '6.1.0-47-amd64', {symvers: text => text.replace('0x3e511a3f\tscsi_host_put', '0x00000001\tscsi_host_put')}, '47b');
	const shared = buildPlan([nls], [k47!, sibling], policy);
	t.true(shared.one_binary);
	t.deepEqual(shared.builds.map(build => build.kernels), [['47', '47b']]);
	t.is(shared.verdict, 'One binary serves both kernels: the module as it is loads on every one.');
	t.is(shared.splitting_symbols.length, 0);

	const lacking = await kernelDirectory(t, '6.1.0-47-amd64', {symvers: text => text.split('\n').filter(line => !line.includes('\tunregister_nls\t')).join('\n')}, 'nonls');
	const split = buildPlan([nls], [k47!, sibling, lacking], policy);
	t.false(split.one_binary);
	t.deepEqual(split.builds.map(build => build.kernels), [['47', '47b'], ['nonls']]);
	t.deepEqual(split.builds[1]!.missing, ['unregister_nls']);
	t.deepEqual(split.splitting_symbols.map(symbol => [symbol.name, symbol.crcs['nonls']]), [['unregister_nls', null]]);
	t.regex(split.verdict, /nonls does not export unregister_nls: no build against it works without source changes/);
});

test('weak-modules decisions: reuse, rebuild with the first problem, --fail-on, and propagation to users of a rebuilt module', async t => {
	const kernels = await amd64();
	const all = parseFailOn(undefined);
	const nls = moduleReport(await fixtureModule('6.1.0-47-amd64', 'nls_utf8.ko'), kernels, policy);
	const onOwn = weakModule(nls, '47', undefined, [], all);
	t.is(onOwn.decision, 'reuse');
	const onNew = weakModule(nls, '56', '47', [], all);
	t.is(onNew.decision, 'rebuild');
	t.is(onNew.reason, 'module_layout has another CRC (0x160c03af → 0x9060323f), and 2 more (2 crc)');
	t.true(onNew.loads_on_from);
	t.is(weakModule(nls, '56', '47', [], parseFailOn('vermagic,namespace')).decision, 'reuse');

	const users: WeakModule[] = [
		{...onOwn, path: '/a.ko', name: 'a', uses: ['/b.ko']},
		{...onOwn, path: '/b.ko', name: 'b', uses: ['/c.ko']},
		{...onNew, path: '/c.ko', name: 'c', uses: []},
		{...onOwn, path: '/d.ko', name: 'd', uses: []},
	];
	propagateRebuilds(users);
	t.deepEqual(users.map(module => module.decision), ['rebuild', 'rebuild', 'rebuild', 'reuse']);
	t.is(users[0]!.reason, 'needs b (/b.ko), which needs a rebuild');
});

test('--fail-on parsing', t => {
	t.is(parseFailOn(undefined).size, 11);
	t.is(parseFailOn('none').size, 0);
	t.deepEqual([...parseFailOn('crc, missing,no-version')], ['crc', 'missing', 'no_version']);
	t.throws(() => parseFailOn('crc,bogus'), {message: /unknown kind 'bogus'/});
	t.throws(() => parseFailOn(','), {message: /name at least one/});
});

test('a plan made while the scan reads the modules one by one is the plan of the modules held in memory', async t => {
	// 47 without usb-storage's exports: uas then depends on the usb-storage.ko of the run (peers).
	const withoutStorage = await kernelDirectory(t, '6.1.0-47-amd64', {symvers: text => text.split('\n').filter(line => !line.includes('drivers/usb/storage/usb-storage')).join('\n')}, 'nostor');
	const kernels = [...await amd64(), withoutStorage];
	const sets = [
		findModules([fixture('modules/6.1.0-47-amd64')]),
		[fixture('modules/6.1.0-47-amd64/uas.ko')],
		[fixture('modules/my_drv-6.1.0-47-amd64.ko'), fixture('modules/6.1.0-47-amd64/dummy.ko')],
		findModules([fixture('modules')]),
	];
	for (const files of sets) {
		// eslint-disable-next-line no-await-in-loop
		const modules = await Promise.all(files.map(async file => readModuleFile(file)));
		// eslint-disable-next-line no-await-in-loop
		t.deepEqual(await scanPlan(files, kernels, policy), buildPlan(modules, kernels, policy), files.join(' '));
	}
});

test('plan of 2,000 modules runs in a 32 MiB heap (it held every module and check report: out of memory)', async t => {
	const directory = temporaryDirectory(t, 'plan-many');
	for (let index = 0; index < 2000; index++) {
		copyFileSync(fixture('modules/6.1.0-47-amd64/uas.ko'), path.join(directory, `uas-${index}.ko`));
	}

	const kernels = ['6.1.0-47-amd64', '7.2.12+deb13-amd64'].map(release => fixture('kernels', release, 'Module.symvers.gz'));
	const child = spawnSync(process.execPath, ['--max-old-space-size=32', cliPath, 'plan', directory, ...kernels.flatMap(file => ['-k', file]), '--json'], {encoding: 'utf8', maxBuffer: 64 * 1024 * 1024, timeout: 600_000});
	t.is(child.status, 1, child.stderr.split('\n').slice(0, 8).join('\n'));
	const plan = JSON.parse(child.stdout) as ReturnType<typeof buildPlan>;
	// The oracle: the plan of the one module, in memory; 2,000 copies of it need the same builds.
	const alone = buildPlan([await readModuleFile(fixture('modules/6.1.0-47-amd64/uas.ko'))], await Promise.all(kernels.map(async source => loadKernel({label: undefined, source}))), policy);
	t.is(plan.modules.length, 2000);
	t.deepEqual([plan.builds, plan.splitting_symbols, plan.identical_symbols], [alone.builds, alone.splitting_symbols, alone.identical_symbols]);
});
