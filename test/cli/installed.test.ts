import {spawnSync} from 'node:child_process';
import {readFileSync} from 'node:fs';
import type {CheckReport} from '../../source/engine/check-report.js';
import {readGzipText} from '../helpers/derive.js';
import {fakeTree, release} from '../helpers/installed.js';
import {imageTree as downloadedTree, imageTreeRoot as downloadedRoot, needs, oracleProgram} from '../helpers/oracles.js';
import {fixture} from '../helpers/paths.js';
import {runCli} from '../helpers/run-cli.js';

/*
Issue 12, "Done when": an installed kernel (the unpacked linux-image-6.1.0-47-amd64-unsigned:
boot/vmlinuz plus lib/modules with its 4,022 modules) is as complete as the build's
Module.symvers, so nothing is undecided there, and the verdicts equal the reference:
`modprobe --dump-modversions` joined with Module.symvers (of the kernel, and of the DKMS build for
what its modules export to each other).
*/

const dkms = fixture('dkms/6.1.0-47-amd64');

needs('image-tree')('v4l2loopback loads on the installed 6.1.0-47 with nothing undecided; xt_ipp2p alone misses HX_memmem', t => {
	const v4l2 = runCli(['check', `${dkms}/v4l2loopback.ko`, '-k', downloadedTree, '--json']);
	t.is(v4l2.code, 0, v4l2.stderr);
	const report = JSON.parse(v4l2.stdout) as CheckReport;
	t.like(report.kernels[0], {kind: 'installed', release, modules_included: true, modules: 4022, exports: 24_618, vermagic: '6.1.0-47-amd64 SMP preempt mod_unload modversions '});
	t.like(report.modules[0]!.results[0], {loads: true, verdict: 'loads', problems: []});
	t.false(report.modules[0]!.results[0]!.warnings.some(warning => warning.kind === 'unresolved' || warning.kind === 'vermagic_unknown'));
	const text = runCli(['check', `${dkms}/v4l2loopback.ko`, '-k', downloadedTree]);
	t.regex(text.stdout, /\n {2}✓ 6\.1\.0-47-amd64 {2}loads \(taints: out-of-tree, signature\)\n/);
	t.notRegex(text.stdout, /\?/);
	const ipp2p = runCli(['check', `${dkms}/xt_ipp2p.ko`, '-k', downloadedTree, '--json']);
	t.is(ipp2p.code, 1);
	const alone = (JSON.parse(ipp2p.stdout) as CheckReport).modules[0]!.results[0]!;
	t.is(alone.verdict, 'fails');
	t.deepEqual(alone.problems.map(problem => `${problem.kind} ${problem.symbol!}`), ['missing HX_memmem']);
	t.deepEqual(alone.dmesg.filter(line => !line.includes('taint')), ['xt_ipp2p: Unknown symbol HX_memmem (err -2)']);
	// The unpacked package's root holds one installed kernel: the same.
	const byName = runCli(['check', `${dkms}/v4l2loopback.ko`, '-k', downloadedRoot, '--json']);
	t.is((JSON.parse(byName.stdout) as CheckReport).kernels[0]!.kind, 'installed');
});

needs('image-tree')('the installed tree lists exactly what the build\'s Module.symvers lists', t => {
	const diff = runCli(['-k', `sym=${fixture('kernels', release, 'Module.symvers.gz')}`, '-k', `tree=${downloadedTree}`, '--json']);
	t.is(diff.code, 0, diff.stderr);
	const report = JSON.parse(diff.stdout) as {summary: Record<string, number>};
	t.deepEqual(report.summary, {added: 0, removed: 0, rehashed: 0, crc: 0, export_type: 0, namespace: 0, module: 0, undecided: 0, same: 24_618});
});

needs('image-tree', 'modprobe')('verdicts of a directory of out-of-tree modules on the installed tree equal modprobe --dump-modversions joined with Module.symvers', t => {
	// The kernel's Module.symvers and the DKMS build's own (what its modules export to each other).
	const exports = new Map<string, string>();
	for (const text of [readGzipText(fixture('kernels', release, 'Module.symvers.gz')), readFileSync(`${dkms}/Module.symvers`, 'latin1')]) {
		for (const [crc, name] of text.trim().split('\n').map(line => line.split('\t'))) {
			exports.set(name!, crc!);
		}
	}

	const result = runCli(['check', dkms, '-k', downloadedTree, '--json']);
	const report = JSON.parse(result.stdout) as CheckReport;
	t.is(report.modules.length, 4);
	for (const module of report.modules) {
		const dump = spawnSync(oracleProgram('modprobe'), ['--dump-modversions', module.path], {encoding: 'utf8'}).stdout.trim().split('\n').map(line => line.split('\t'));
		const expected = dump.flatMap(([crc, name]) => (exports.get(name!) === undefined ? [`missing ${name!}`] : (exports.get(name!) === crc ? [] : [`crc ${name!}`])));
		const verdict = module.results[0]!;
		t.deepEqual(verdict.problems.map(problem => `${problem.kind} ${problem.symbol!}`).sort(), expected.sort(), module.path);
		t.is(verdict.verdict, expected.length === 0 ? 'loads' : 'fails', module.path);
	}

	t.is(result.code, 0, result.stderr);
});

needs('xz', 'zstd')('an installed kernel on the command line without its image is one line, exit 2', t => {
	const noImage = fakeTree(t, {image: false});
	const bad = runCli(['check', `${dkms}/vpoll.ko`, '-k', noImage.modules]);
	t.is(bad.code, 2);
	t.regex(bad.stderr, /^kmodx: .*lib\/modules\/6\.1\.0-47-amd64: an installed kernel needs its image for vmlinux's exports; none found \(looked for .*\): give it with -k IMAGE, or the kernel's Module\.symvers or headers directory\n$/);
	t.is(bad.stdout, '');
});

needs('corpus', 'xz', 'zstd')('an installed kernel on the command line: the small tree of real files', t => {
	const tree = fakeTree(t);
	const ok = runCli(['check', `${dkms}/vpoll.ko`, '-k', `tree=${tree.modules}`]);
	t.is(ok.code, 0, ok.stderr);
	t.regex(ok.stdout, /✓ tree {2}loads/);
	// x_tables is installed there, compat_xtables is not: HX_memmem is missing for certain.
	const ipp2p = runCli(['check', `${dkms}/xt_ipp2p.ko`, '-k', `tree=${tree.modules}`, '--format', 'markdown']);
	t.is(ipp2p.code, 1);
	t.regex(ipp2p.stdout, /\| tree \| `.*lib\/modules\/6\.1\.0-47-amd64` \(installed\) \| `6\.1\.0-47-amd64` \| `6\.1\.0-47-amd64 SMP preempt mod_unload modversions ` \|/);
	t.regex(ipp2p.stdout, /\| missing \| `HX_memmem` \|/);
	t.notRegex(ipp2p.stdout, /undecided/);
});
