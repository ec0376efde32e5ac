import {copyFileSync, mkdirSync} from 'node:fs';
import path from 'node:path';
import test from 'ava';
import {loadKernel} from '../../source/kernel/load-kernel.js';
import {explainSymbol} from '../../source/engine/explain-symbol.js';
import {sourceCandidates} from '../../source/type-info/kernel-inputs.js';
import {TypeInformation} from '../../source/type-info/type-information.js';
import {classifyTypesPath} from '../../source/type-info/types-flags.js';
import {temporaryDirectory} from '../helpers/derive.js';
import {headers47, headers56, needs} from '../helpers/oracles.js';
import {fixture} from '../helpers/paths.js';

const headers = {47: headers47, 56: headers56};
const integration = needs('headers', 'kbuild');

test('--types paths by what they hold: a tarball or tree of source, symtypes, anything else BTF', t => {
	const directory = temporaryDirectory(t);
	t.is(classifyTypesPath(fixture('kernel-source/linux-source-6.1.170-3.tar.xz')), 'source');
	t.is(classifyTypesPath(fixture('symtypes/debian-6.1.0-47-amd64.version.symtypes.gz')), 'symtypes');
	t.is(classifyTypesPath(fixture('btf/debian-6.1.0-47-amd64.btf.gz')), 'btf');
	t.is(classifyTypesPath(fixture('symtypes')), 'symtypes');
	for (const name of ['Makefile', 'Kbuild', 'init/main.c']) {
		mkdirSync(path.dirname(path.join(directory, 'tree', name)), {recursive: true});
		copyFileSync(fixture('kernel-source/README.md'), path.join(directory, 'tree', name));
	}

	t.is(classifyTypesPath(path.join(directory, 'tree')), 'source');
	t.throws(() => classifyTypesPath(path.join(directory, 'missing')), {message: /missing: no such file or directory$/});
	t.throws(() => classifyTypesPath('/dev/null'), {message: '/dev/null: not a regular file or directory'});
});

test('the usual places of a kernel\'s source: Debian\'s /usr/src/linux-source-X.Y.tar.*, unpacked trees', t => {
	const root = temporaryDirectory(t);
	mkdirSync(path.join(root, 'usr/src'), {recursive: true});
	t.deepEqual(sourceCandidates(6, 1, '6.1.0-47-amd64', root), []);
	copyFileSync(fixture('kernel-source/linux-source-6.1.170-3.tar.xz'), path.join(root, 'usr/src/linux-source-6.1.tar.xz'));
	t.deepEqual(sourceCandidates(6, 1, '6.1.0-47-amd64', root), [path.join(root, 'usr/src/linux-source-6.1.tar.xz')]);
	t.deepEqual(sourceCandidates(6, 12, '6.12.0-1-amd64', root), []);
});

integration('a source found in /usr/src is used for the kernel of its version, and skipped, with the reason, for another', async t => {
	const root = temporaryDirectory(t);
	mkdirSync(path.join(root, 'usr/src'), {recursive: true});
	// Only 6.1.170's source is "installed": right for 47, the wrong version for 56.
	copyFileSync(fixture('kernel-source/linux-source-6.1.170-3.tar.xz'), path.join(root, 'usr/src/linux-source-6.1.tar.xz'));
	const [from, to] = await Promise.all([loadKernel({label: '47', source: headers[47]}), loadKernel({label: '56', source: headers[56]})]);
	const info = new TypeInformation(new Map(), {root, cacheDir: temporaryDirectory(t)});
	const found = await info.symtypes(from, 'misc_register');
	t.true('index' in found);
	t.deepEqual('origin' in found && found.origin, {kind: 'source', path: path.join(root, 'usr/src/linux-source-6.1.tar.xz'), file: 'drivers/char/misc.c', headers: headers[47]});
	const other = await info.symtypes(to, 'misc_register');
	t.true('reasons' in other);
	t.regex('reasons' in other ? other.reasons.join('\n') : '', /linux-source-6\.1\.tar\.xz: this is the source of Linux 6\.1\.170, but kernel 56 is 6\.1\.192/);
	// Without BTF either, the explanation says what is missing, for 56 only.
	const result = await explainSymbol('misc_register', from, to, info);
	t.true('unavailable' in result);
	t.regex('unavailable' in result ? result.unavailable : '', /^no type information to compare \(.*6\.1\.170, but kernel 56 is 6\.1\.192.*\): for an approximate one \(BTF\) --types 47=<its vmlinuz, vmlinux or headers directory with a vmlinux> --types 56=<its vmlinuz, vmlinux or headers directory with a vmlinux>$/, 'no /boot/vmlinuz-… is named where none exists');
});
