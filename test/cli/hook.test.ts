import {spawnSync} from 'node:child_process';
import {copyFileSync, mkdirSync, readdirSync, symlinkSync, writeFileSync} from 'node:fs';
import path from 'node:path';
import process from 'node:process';
import test from 'ava';
import {atExit, readGzipText, temporaryDirectory} from '../helpers/derive.js';
import {imageTree56Root, imageTreeRoot, needs, oracleProgram} from '../helpers/oracles.js';
import {cliPath, corpus, fixture, repoRoot} from '../helpers/paths.js';

const [old, next] = ['6.1.0-47-amd64', '6.1.0-56-amd64'];

/**
A root with two installed Debian kernels (their real images from the corpus, a module of each
package) and out-of-tree modules as DKMS and a vendor leave them: on 47, DKMS's vpoll in
updates/dkms (its source registered in var/lib/dkms) and my_drv in extra; on 56, a vpoll that
DKMS built against the wrong headers (47's: the `uname -r` bug).
*/
function fakeRoot(): string {
	const root = temporaryDirectory(atExit, 'hook-root');
	mkdirSync(path.join(root, 'boot'));
	for (const release of [old, next]) {
		symlinkSync(corpus('kernels', `debian-${release}`, 'vmlinuz'), path.join(root, 'boot', `vmlinuz-${release}`));
		place(fixture('modules', release, 'nls_utf8.ko'), path.join(root, 'lib', 'modules', release, 'kernel', 'fs', 'nls', 'nls_utf8.ko'));
	}

	return withOutOfTree(root, []);
}

/**
The same root made of the two whole Debian packages, unpacked (linux-image-6.1.0-47-amd64-unsigned
6.1.170-3 and -56- 6.1.192-2: each kernel's image and its ~4,000 modules), linked in, with the same
out-of-tree modules beside them, and v4l2loopback (it imports videodev's exports).
*/
function packagesRoot(): string {
	const root = temporaryDirectory(atExit, 'hook-packages');
	for (const [release, unpacked] of [[old, imageTreeRoot], [next, imageTree56Root]] as const) {
		mkdirSync(path.join(root, 'boot'), {recursive: true});
		symlinkSync(path.join(unpacked, 'boot', `vmlinuz-${release}`), path.join(root, 'boot', `vmlinuz-${release}`));
		symlinkSync(path.join(unpacked, 'boot', `config-${release}`), path.join(root, 'boot', `config-${release}`));
		const modules = path.join(root, 'lib', 'modules', release);
		mkdirSync(modules, {recursive: true});
		for (const entry of readdirSync(path.join(unpacked, 'lib', 'modules', release))) {
			symlinkSync(path.join(unpacked, 'lib', 'modules', release, entry), path.join(modules, entry));
		}
	}

	return withOutOfTree(root, ['v4l2loopback.ko']);
}

function place(from: string, to: string): void {
	mkdirSync(path.dirname(to), {recursive: true});
	copyFileSync(from, to);
}

/**
The out-of-tree modules of both roots: on 47, DKMS's vpoll in updates/dkms (its source registered
in var/lib/dkms), `moreDkms` beside it, and my_drv in extra; on 56, the vpoll built against 47's headers.
*/
function withOutOfTree(root: string, moreDkms: string[]): string {
	const modules = (release: string, ...parts: string[]) => path.join(root, 'lib', 'modules', release, ...parts);
	const vpoll = fixture('dkms', old, 'vpoll.ko');
	place(vpoll, modules(old, 'updates', 'dkms', 'vpoll.ko'));
	for (const name of moreDkms) {
		place(fixture('dkms', old, name), modules(old, 'updates', 'dkms', name));
	}

	place(fixture('modules', 'my_drv-6.1.0-47-amd64.ko'), modules(old, 'extra', 'my_drv.ko'));
	place(vpoll, modules(next, 'updates', 'dkms', 'vpoll.ko'));
	const dkms = path.join(root, 'var', 'lib', 'dkms', 'vpoll', '0.1');
	mkdirSync(path.join(dkms, 'source'), {recursive: true});
	writeFileSync(path.join(dkms, 'source', 'dkms.conf'), 'PACKAGE_NAME="vpoll"\nPACKAGE_VERSION="0.1"\nBUILT_MODULE_NAME[0]="vpoll"\n');
	place(vpoll, path.join(dkms, old, 'x86_64', 'module', 'vpoll.ko'));
	return root;
}

/** Runs a hook script as the system would, with `kmodx` on PATH being this build. */
function runHook(root: string, script: string, args: string[], running: string) {
	const bin = temporaryDirectory(atExit, 'hook-bin');
	symlinkSync(cliPath, path.join(bin, 'kmodx'));
	return spawnSync('sh', [path.join(repoRoot, 'hooks', script), ...args], {
		encoding: 'utf8',
		timeout: 600_000,
		env: {...process.env, PATH: `${bin}:${process.env['PATH']!}`, KMODX_ROOT: root, KMODX_RUNNING_RELEASE: running, NO_COLOR: '1'},
	});
}

/** The reference: modprobe's module_layout CRC of the module against the new kernel's Module.symvers. */
function layoutMatches(module: string, release: string): boolean {
	const dump = spawnSync(oracleProgram('modprobe'), ['--dump-modversions', module], {encoding: 'utf8'}).stdout;
	const own = /^(0x[\da-f]+)\tmodule_layout$/m.exec(dump)![1]!;
	const kernel = /^(0x[\da-f]+)\tmodule_layout\t/m.exec(readGzipText(fixture('kernels', release, 'Module.symvers.gz')))![1]!;
	return Number.parseInt(own, 16) === Number.parseInt(kernel, 16);
}

const withRoot = needs('corpus', 'modprobe');

withRoot('Debian postinst.d hook: the out-of-tree modules that will not load on the new kernel, why, and what to run', t => {
	const root = fakeRoot();
	t.false(layoutMatches(fixture('dkms', old, 'vpoll.ko'), next));
	t.false(layoutMatches(fixture('modules', 'my_drv-6.1.0-47-amd64.ko'), next));
	const result = runHook(root, 'zz-kmodx', [next, `/boot/vmlinuz-${next}`], old);
	t.is(result.status, 0, result.stderr);
	t.is(result.stderr, '');
	const lines = result.stdout.split('\n');
	t.is(lines[0], `kmodx: 2 of 2 out-of-tree modules of ${old} will not load on ${next}:`);
	// vpoll: the new kernel's own copy is what would load, and it carries 47's CRCs.
	t.true(lines.includes(`  ✗ vpoll (installed for ${next}: ${root}/lib/modules/${next}/updates/dkms/vpoll.ko)`), result.stdout);
	t.true(lines.includes(`  ✗ my_drv (built for ${old}, none installed for ${next}: ${root}/lib/modules/${old}/extra/my_drv.ko)`), result.stdout);
	t.true(lines.includes('      dmesg: vpoll: disagrees about version of symbol module_layout'));
	t.true(lines.includes('      dmesg: my_drv: disagrees about version of symbol module_layout'));
	t.true(lines.some(line => line.startsWith(`      → installed for ${next} but built against ${old}'s headers`)));
	t.true(lines.includes(`      → vpoll is managed by DKMS (vpoll 0.1):  dkms install -m vpoll -v 0.1 -k ${next}`));
	t.true(lines.includes(`      → rebuild against ${next}: its headers are linux-headers-${next}:  apt install linux-headers-${next}`));
	t.true(lines.includes(`      → then, in the module's source directory:  make -C /lib/modules/${next}/build M=$PWD modules`));
});

needs('image-trees', 'modprobe')('both hooks in a root of two whole Debian kernel packages: the DKMS and vendor modules that will not load on the new one', t => {
	const root = packagesRoot();
	for (const module of [fixture('dkms', old, 'vpoll.ko'), fixture('dkms', old, 'v4l2loopback.ko'), fixture('modules', 'my_drv-6.1.0-47-amd64.ko')]) {
		t.false(layoutMatches(module, next), module);
		t.true(layoutMatches(module, old), module);
	}

	const debian = runHook(root, 'zz-kmodx', [next, `/boot/vmlinuz-${next}`], old);
	t.is(debian.status, 0, debian.stderr);
	t.is(debian.stderr, '');
	const lines = debian.stdout.split('\n');
	t.is(lines[0], `kmodx: 3 of 3 out-of-tree modules of ${old} will not load on ${next}:`);
	t.true(lines.includes(`  ✗ vpoll (installed for ${next}: ${root}/lib/modules/${next}/updates/dkms/vpoll.ko)`), debian.stdout);
	// v4l2loopback imports videodev's exports: the whole package has videodev, so only the CRCs stop it.
	t.true(lines.includes(`  ✗ v4l2loopback (built for ${old}, none installed for ${next}: ${root}/lib/modules/${old}/updates/dkms/v4l2loopback.ko)`), debian.stdout);
	t.true(lines.includes('      dmesg: v4l2loopback: disagrees about version of symbol module_layout'));
	t.false(debian.stdout.includes('a rebuild is not enough'), 'every import is exported by the new kernel');
	t.true(lines.includes(`      → vpoll is managed by DKMS (vpoll 0.1):  dkms install -m vpoll -v 0.1 -k ${next}`));
	t.true(lines.includes(`  ✗ my_drv (built for ${old}, none installed for ${next}: ${root}/lib/modules/${old}/extra/my_drv.ko)`));
	const plugin = runHook(root, '90-kmodx.install', ['add', next, '/boot/efi/entry', `/boot/vmlinuz-${next}`], old);
	t.is(plugin.status, 0, plugin.stderr);
	t.is(plugin.stdout, debian.stdout);
	// Back to 47: its own vpoll, v4l2loopback and my_drv load there; 56's vpoll has its counterpart.
	const back = runHook(root, 'zz-kmodx', [old], next);
	t.deepEqual([back.status, back.stdout, back.stderr], [0, '', '']);
});

withRoot('kernel-install plugin: the same on add, nothing on remove', t => {
	const root = fakeRoot();
	const added = runHook(root, '90-kmodx.install', ['add', next, '/boot/efi/entry', `/boot/vmlinuz-${next}`], old);
	t.is(added.status, 0, added.stderr);
	t.is(added.stdout, runHook(root, 'zz-kmodx', [next], old).stdout);
	const removed = runHook(root, '90-kmodx.install', ['remove', next], old);
	t.deepEqual([removed.status, removed.stdout, removed.stderr], [0, '', '']);
});

withRoot('quiet when every out-of-tree module loads; a hook never fails an installation, unless --strict', t => {
	const root = fakeRoot();
	// From 56 back to 47: 56's vpoll has a counterpart on 47, built for 47.
	t.true(layoutMatches(fixture('dkms', old, 'vpoll.ko'), old));
	const quiet = runHook(root, 'zz-kmodx', [old], next);
	t.deepEqual([quiet.status, quiet.stdout, quiet.stderr], [0, '', '']);
	// A release that is not installed: one line on stderr, status 0.
	const missing = runHook(root, 'zz-kmodx', ['6.1.0-99-amd64'], old);
	t.is(missing.status, 0);
	t.is(missing.stdout, '');
	t.regex(missing.stderr, /^kmodx hook: .*6\.1\.0-99-amd64: not installed: no modules directory for this release \(the kernel's installation goes on\)\n$/);
	// --strict: the status says it.
	const strict = spawnSync(process.execPath, [cliPath, 'hook', next, '--from', old, '--root', root, '--strict'], {encoding: 'utf8', timeout: 600_000});
	t.is(strict.status, 1, strict.stderr);
	const strictMissing = spawnSync(process.execPath, [cliPath, 'hook', '6.1.0-99-amd64', '--from', old, '--root', root, '--strict'], {encoding: 'utf8', timeout: 600_000});
	t.is(strictMissing.status, 2);
	t.is(strictMissing.stderr.trim().split('\n').length, 1);
});

withRoot('an internal error in the hook: reported as a bug in one line; status 0, or 70 with --strict', t => {
	const root = fakeRoot();
	// The first write of the report throws, as a bug in the formatter would.
	const preload = path.join(temporaryDirectory(t, 'fault'), 'fault.cjs');
	writeFileSync(preload, 'process.stdout.write = () => { throw new TypeError(\'injected fault\'); };\n');
	const run = (strict: boolean) => spawnSync(process.execPath, [cliPath, 'hook', next, '--from', old, '--root', root, ...(strict ? ['--strict'] : [])], {encoding: 'utf8', timeout: 600_000, env: {...process.env, NODE_OPTIONS: `--require ${preload}`, KMODX_DEBUG: ''}});
	const line = /^kmodx: internal error, please report it as a bug with the command line that caused it: TypeError: injected fault \(KMODX_DEBUG=1 shows where\)\n$/;
	const quiet = run(false);
	t.is(quiet.status, 0);
	t.regex(quiet.stderr, line);
	const strict = run(true);
	t.is(strict.status, 70);
	t.regex(strict.stderr, line);
});

test('--root and --strict belong to hook, -k and --types do not: one line, exit 2', t => {
	const hook = spawnSync(process.execPath, [cliPath, 'hook', next, '-k', fixture('kernels', next, 'Module.symvers.gz')], {encoding: 'utf8'});
	t.is(hook.status, 2);
	t.is(hook.stderr, 'kmodx: hook takes the release just installed (and --from, --root), not -k: kmodx hook RELEASE\n');
	const result = spawnSync(process.execPath, [cliPath, 'check', fixture('modules', 'my_drv-6.1.0-47-amd64.ko'), '-k', fixture('kernels', next, 'Module.symvers.gz'), '--strict'], {encoding: 'utf8'});
	t.is(result.status, 2);
	t.is(result.stderr, 'kmodx: --strict is for kmodx hook RELEASE; check does not use it\n');
});
