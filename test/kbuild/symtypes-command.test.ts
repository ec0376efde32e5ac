import {readdirSync} from 'node:fs';
import path from 'node:path';
import {kbuildSymtypes} from '../../source/kbuild/kbuild-symtypes.js';
import {commandFor, symtypesCommand} from '../../source/kbuild/symtypes-command.js';
import {headersConfig, headersSourceTree} from '../../source/kbuild/headers-dir.js';
import {kbuildFlags} from '../../source/kernel-source/kbuild-flags.js';
import {openKernelSource} from '../../source/kernel-source/kernel-source.js';
import {makefilesOf, translationUnitFiles} from '../../source/kernel-source/translation-unit.js';
import {temporaryDirectory} from '../helpers/derive.js';
import {headers47, needs} from '../helpers/oracles.js';
import {fixture} from '../helpers/paths.js';

const integration = needs('headers', 'kbuild').serial;

// The oracle is kbuild itself: make, its recipe and its shell give each unit's symtypes.
integration('kbuild\'s recorded command gives byte for byte what make gives: an obj-y unit, and an obj-m unit with flags and a trace header found from the tree', async t => {
	const cacheDir = temporaryDirectory(t);
	const source = await openKernelSource(fixture('kernel-source/linux-source-6.1.170-3.tar.xz'), {cacheDir});
	const config = await headersConfig(headers47);
	// Drivers/gpu/drm/scheduler/sched_main.c is gpu-sched.ko; its trace header is reached through
	// include/trace's TRACE_INCLUDE_PATH, which source-symtypes.ts resolves with -iquote include/trace.
	// Its Makefile adds no flags: it gets drivers/cxl/Makefile's (a word the shell gets quoted) and an -I.
	const extra = [{option: '-D', value: 'DEFAULT_SYMBOL_NAMESPACE="CXL"'}, {option: '-I', value: 'drivers/gpu/drm/scheduler', base: 'tree'}] as const;
	for (const [file, module, quoteDirectories, added] of [['drivers/char/misc.c', false, [], []], ['drivers/gpu/drm/scheduler/sched_main.c', true, ['include/trace'], extra]] as const) {
		// eslint-disable-next-line no-await-in-loop
		const makefiles = await source.read(makefilesOf(file));
		const flags = kbuildFlags(file, makefiles, config, source.path);
		// eslint-disable-next-line no-await-in-loop
		const files = await source.read(translationUnitFiles(source.index, file, flags.directories));
		const unit = {files, source: file, module, flags: [...flags.flags, ...added], quoteDirectories};
		// eslint-disable-next-line no-await-in-loop
		const viaMake = await kbuildSymtypes(headers47, unit, {timeoutMs: 300_000, viaMake: true});
		// eslint-disable-next-line no-await-in-loop
		const direct = await kbuildSymtypes(headers47, unit, {timeoutMs: 300_000, cacheDir});
		t.true(viaMake.length > 10_000, file);
		t.is(direct, viaMake, file);
	}

	// Recorded once per kind of object, then read from the cache.
	t.is(readdirSync(path.join(cacheDir, 'kbuild-command-v1')).length, 2);
});

integration('a recorded command that holds the probe\'s path where kmodx does not expect it is not used: make runs instead', async t => {
	const command = await symtypesCommand(headers47, false, {timeoutMs: 300_000, cacheDir: temporaryDirectory(t)});
	t.truthy(command);
	const srctree = await headersSourceTree(headers47);
	const unit = {root: '/tmp/kmodx-kbuild-x', source: 'drivers/char/misc.c', flags: [{option: '-D', value: 'FOO=1'}] as const};
	const argv = commandFor(command!, unit, srctree)!;
	t.is(argv.at(-1), '/tmp/kmodx-kbuild-x/drivers/char/misc.c');
	t.true(argv.includes('-DKBUILD_BASENAME="misc"'));
	t.true(argv.includes('-DFOO=1'));
	t.false(argv.some(argument => argument.includes(command!.root)));
	t.is(commandFor({...command!, argv: [...command!.argv, `-I${command!.root}/elsewhere`]}, unit, srctree), undefined);
	t.is(commandFor(command!, {...unit, source: 'arch/x86/lib/memcpy_64.S'}, srctree), undefined);
});
