import test from 'ava';
import type {CheckReport} from '../../source/engine/check-report.js';
import {formatCheckJson} from '../../source/views/format-json.js';
import type {PlanReport} from '../../source/engine/build-plan.js';
import type {WeakModulesReport} from '../../source/engine/weak-modules.js';
import {readGzipText, temporaryDirectory, writeTemporary} from '../helpers/derive.js';
import {fixture} from '../helpers/paths.js';
import {runCli} from '../helpers/run-cli.js';

const symvers = (release: string) => fixture('kernels', release, 'Module.symvers.gz');
const kernels = ['-k', `47=${symvers('6.1.0-47-amd64')}`, '-k', `50=${symvers('6.1.0-50-amd64')}`, '-k', `56=${symvers('6.1.0-56-amd64')}`];
const myDrv = fixture('modules/my_drv-6.1.0-47-amd64.ko');
const modules47 = fixture('modules/6.1.0-47-amd64');

test('several modules × several kernels: the matrix is the default text layout', t => {
	const result = runCli(['check', modules47, myDrv, ...kernels]);
	t.is(result.code, 1, result.stderr);
	const lines = result.stdout.split('\n');
	t.regex(lines[0]!, /^module +47 +50 +56$/);
	t.regex(result.stdout, /\nnls_utf8 +✓ +✗ module_layout +✗ module_layout\n/);
	t.regex(result.stdout, /\nmy_drv +✓ +✗ module_layout +✗ module_layout\n/);
	t.regex(result.stdout, /\nloads +6\/6 +0\/6 +0\/6\n/);
	t.regex(result.stdout, /✗ 12 of 18 module × kernel combinations fail to load\n$/);
	t.is(result.stderr, '');
});

test('--layout details keeps the per-module report; markdown has the matrix table', t => {
	const details = runCli(['check', modules47, ...kernels, '--layout', 'details']);
	t.regex(details.stdout, /uas {2}.*uas\.ko\n/);
	t.regex(details.stdout, /✗ 50 +fails at module_layout/);
	const markdown = runCli(['check', modules47, ...kernels, '--format', 'markdown']);
	t.regex(markdown.stdout, /\| module \| 47 \| 50 \| 56 \|\n\|---\|---\|---\|---\|\n/);
	t.regex(markdown.stdout, /\| uas \| ✓ \| ✗ module_layout \| ✗ module_layout \|/);
	t.regex(markdown.stdout, /\| 47 \| .* \| 5 of 5 \|/);
});

test('the streamed JSON of many modules is the kmodx.check/1 document, the same with and without worker threads', t => {
	const args = ['check', modules47, myDrv, ...kernels, '--json'];
	const serial = runCli(args, {env: {KMODX_WORKERS: '0'}});
	const threaded = runCli(args, {env: {KMODX_WORKERS: '2'}});
	t.is(serial.code, 1, serial.stderr);
	t.is(threaded.stdout, serial.stdout);
	const report = JSON.parse(serial.stdout) as CheckReport;
	t.is(report.schema, 'kmodx.check/1');
	t.deepEqual(report.summary, {modules: 6, kernels: 3, failures: 12, undecided: 0, loads_everywhere: false});
	t.deepEqual(report.modules.at(-1)!.groups, [['47'], ['50'], ['56']]);
	t.is(serial.stdout, formatCheckJson(report), 'formatted exactly like the whole report: indented, a module per line');
	t.is(serial.stdout.split('\n').filter(line => line.startsWith('    {"path":')).length, 6);
});

test('--fail-on chooses which problems make exit status 1', t => {
	t.is(runCli(['check', modules47, ...kernels, '--fail-on', 'crc']).code, 1);
	t.is(runCli(['check', modules47, ...kernels, '--fail-on', 'vermagic,no_version']).code, 0);
	t.is(runCli(['check', myDrv, ...kernels, '--fail-on', 'none']).code, 0);
	t.is(runCli(['check', myDrv, ...kernels, '--fail-on', 'missing']).code, 0);
	const bad = runCli(['check', myDrv, ...kernels, '--fail-on', 'crc,nonsense']);
	t.is(bad.code, 2);
	t.regex(bad.stderr, /^kmodx: --fail-on crc,nonsense: unknown kind 'nonsense'/);
});

test('--fail-on counts problems behind the first failure too: the matrix looks for them when they can matter', t => {
	// 56 without kthread_stop: my_drv stops at module_layout there, and the missing symbol is behind it.
	const without = readGzipText(symvers('6.1.0-56-amd64')).split('\n').filter(line => !line.includes('\tkthread_stop\t')).join('\n');
	const derived = writeTemporary(temporaryDirectory(t), 'Module.symvers', without);
	const args = ['check', modules47, myDrv, '-k', `47=${symvers('6.1.0-47-amd64')}`, '-k', `56=${derived}`];
	const missing = runCli([...args, '--fail-on', 'missing']);
	t.is(missing.code, 1, missing.stderr);
	t.regex(missing.stdout, /\nmy_drv +✓ +✗ module_layout\n/);
	t.is(runCli([...args, '--fail-on', 'namespace']).code, 0);
	// With every kind counted, the matrix stops where the kernel stops: same cells, same status.
	const all = runCli(args);
	t.is(all.code, 1);
	t.is(all.stdout, missing.stdout);
});

test('kmodx plan: text, JSON (kmodx.plan/1), exit status', t => {
	const text = runCli(['plan', myDrv, ...kernels]);
	t.is(text.code, 1, text.stderr);
	t.regex(text.stdout, /✗ One binary cannot load on all 3 kernels: they disagree on module_layout and 10 more symbols\. 3 builds are needed/);
	t.regex(text.stdout, /build 1 {2}against 47 {2}serves 47 {2}\(the current binary already loads there\)/);
	t.regex(text.stdout, /\n {2}module_layout +0x160c03af {2}0xbce1a965 {2}0x9060323f\n/);
	t.regex(text.stdout, /Identical on every kernel \(10\): __fentry__/);
	const json = runCli(['plan', myDrv, ...kernels, '--json']);
	const plan = JSON.parse(json.stdout) as PlanReport;
	t.is(plan.schema, 'kmodx.plan/1');
	t.is(plan.builds.length, 3);
	const one = runCli(['plan', myDrv, '-k', `47=${symvers('6.1.0-47-amd64')}`]);
	t.is(one.code, 0);
	t.regex(one.stdout, /✓ One binary serves the kernel: the module as it is loads on every one\./);
	// Several modules (a directory): one plan for all of them, built together.
	const many = runCli(['plan', modules47, ...kernels, '--json']);
	t.is(many.code, 1, many.stderr);
	const together = JSON.parse(many.stdout) as PlanReport;
	t.is(together.module, null);
	t.is(together.modules.length, 5);
	t.deepEqual(together.builds.map(build => build.kernels), [['47'], ['50'], ['56']]);
});

test('kmodx weak-modules: per module reuse or rebuild with the reason; JSON kmodx.weak-modules/1', t => {
	const result = runCli(['weak-modules', modules47, myDrv, '--from', `47=${symvers('6.1.0-47-amd64')}`, '--to', `56=${symvers('6.1.0-56-amd64')}`]);
	t.is(result.code, 1, result.stderr);
	t.regex(result.stdout, /^Modules built for 47 on 56:\n/);
	t.regex(result.stdout, /✗ rebuild {2}nls_utf8 +module_layout has another CRC \(0x160c03af → 0x9060323f\), and 2 more \(2 crc\)\n/);
	t.regex(result.stdout, /✗ 6 of 6 modules need a rebuild for 56; 0 can be reused as they are\n$/);
	const same = runCli(['weak-modules', modules47, '--to', `47=${symvers('6.1.0-47-amd64')}`, '--json']);
	t.is(same.code, 0, same.stderr);
	const report = JSON.parse(same.stdout) as WeakModulesReport;
	t.is(report.schema, 'kmodx.weak-modules/1');
	t.is(report.from, null);
	t.deepEqual(report.summary, {modules: 5, reuse: 5, rebuild: 0, undecided: 0});
	t.true(report.modules.every(module => module.decision === 'reuse' && module.loads_on_from === null));
	const lenient = runCli(['weak-modules', myDrv, '--to', symvers('6.1.0-56-amd64'), '--fail-on', 'missing']);
	t.is(lenient.code, 0);
	const noTarget = runCli(['weak-modules', myDrv]);
	t.is(noTarget.code, 2);
	t.regex(noTarget.stderr, /needs --to KERNEL/);
});
