import {spawnSync} from 'node:child_process';
import {existsSync} from 'node:fs';
import test from 'ava';
import {buildPlan} from '../../source/plan/build-plan.js';
import {propagateRebuilds, weakModule, type WeakModule} from '../../source/plan/weak-modules.js';
import {moduleReport} from '../../source/report/check-report.js';
import {parseFailOn} from '../../source/report/fail-on.js';
import {readGzipText} from '../helpers/derive.js';
import {fixtureModule, kernelDirectory, symversKernel, type Release} from '../helpers/kernels.js';
import {fixture} from '../helpers/paths.js';

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
	const versions = spawnSync('/usr/sbin/modprobe', ['--dump-modversions', module], {encoding: 'utf8'}).stdout.trim().split('\n').map(line => line.split('\t')[1]!);
	const tables = releases.map(release => new Map(readGzipText(fixture('kernels', release, 'Module.symvers.gz')).split('\n').map(line => line.split('\t')).map(([crc, name]) => [name, crc])));
	const splitting = versions.filter(name => new Set(tables.map(table => table.get(name))).size > 1).sort();
	const identical = versions.filter(name => !splitting.includes(name)).sort();
	return {splitting, identical};
}

for (const module of ['6.1.0-47-amd64/nls_utf8.ko', '6.1.0-47-amd64/uas.ko', '6.1.0-56-amd64/usb-storage.ko', 'my_drv-6.1.0-47-amd64.ko']) {
	test(`plan of ${module} agrees with modprobe --dump-modversions joined with each Module.symvers`, async t => {
		if (!existsSync('/usr/sbin/modprobe')) {
			t.pass('modprobe is not installed');
			return;
		}

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
