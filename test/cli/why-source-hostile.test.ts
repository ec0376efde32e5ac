import {existsSync, readdirSync, renameSync, writeFileSync} from 'node:fs';
import path from 'node:path';
import {temporaryDirectory} from '../helpers/derive.js';
import {editedSource, sourceWithMakefileLine} from '../helpers/hostile-source.js';
import {fixture} from '../helpers/paths.js';
import {headers47, headers56, needs} from '../helpers/oracles.js';
import {runCli} from '../helpers/run-cli.js';

/*
Issue 22, finding 1: a kernel source tarball's Makefiles and file names are data. Each hostile
tarball is the real 6.1.170 one with one line added to drivers/char/Makefile (or one file
renamed); `why` is run on it as a user would, and must refuse it in one line, exit 2, before
make starts: no marker file, no file outside the tree read.
*/

const integration = needs('kbuild', 'headers');
// Drivers/char/Makefile of 6.1.170 has 47 lines: the added one is line 48.
const addedLine = 48;

function why(hostile: string, home: string) {
	return runCli(['why', 'misc_register', '-k', `47=${headers47}`, '-k', `56=${headers56}`, '--types', `47=${hostile}`, '--types', `56=${fixture('kernel-source/linux-source-6.1.192-2.tar.xz')}`], {
		env: {KMODX_CACHE_DIR: path.join(home, 'cache'), HOME: home, TMPDIR: home},
	});
}

const variants = [
	{name: 'backquotes', line: (marker: string) => `ccflags-y += -include$(srctree)/drivers/char/misc.h\`>${marker}\``, reason: 'it holds a backquote the shell would interpret'},
	{name: 'shell-function', line: (marker: string) => `ccflags-y += -include$(shell >${marker})`, reason: 'it holds make\'s $(shell …)'},
	{name: 'dollar-dollar', line: (marker: string) => `ccflags-y += -I$(srctree)/drivers/char$$(>${marker})`, reason: 'it holds a $$ (a $ for the shell)'},
	{name: 'semicolon', line: (marker: string) => `ccflags-y += -I$(srctree)/drivers/char;>${marker}`, reason: 'it holds a ; the shell would interpret'},
	{name: 'define', line: (marker: string) => `ccflags-y += -DFOO=$(shell >${marker})`, reason: 'it holds make\'s $(shell …)'},
] as const;

for (const variant of variants) {
	integration(`a Makefile flag with ${variant.name} is refused in one line, exit 2, and runs nothing`, t => {
		const home = temporaryDirectory(t);
		const marker = path.join(home, 'marker');
		const line = variant.line(marker);
		const hostile = sourceWithMakefileLine(home, variant.name, line);
		const result = why(hostile, home);
		t.false(existsSync(marker), 'the command ran');
		t.is(result.code, 2, result.stderr);
		t.is(result.stdout, '');
		const option = /^ccflags-y \+= (-include|-I|-D)/.exec(line)![1]!;
		t.is(result.stderr, `kmodx: ${hostile}: drivers/char/Makefile:${addedLine}: refused ${option} flag ${JSON.stringify(line.slice('ccflags-y += '.length))}: ${variant.reason}; kmodx hands no text of a source tree to make or the shell\n`);
		t.deepEqual(readdirSync(home).filter(name => name.startsWith('kmodx-kbuild-')), [], 'temporary trees are removed');
	});
}

integration('-include of a file outside the tree, by .. or by an absolute path, is refused before the preprocessor reads it', t => {
	const home = temporaryDirectory(t);
	// Were it included, the preprocessor's error would quote it.
	const canary = path.join(home, 'canary.h');
	writeFileSync(canary, '#error KMODX_CANARY_WAS_READ\n');
	const escapes = [
		{line: `ccflags-y += -include$(srctree)/drivers/char/${'../'.repeat(12)}${canary.slice(1)}`, names: `${'../'.repeat(10)}${canary.slice(1)}`},
		{line: `ccflags-y += -include ${canary}`, names: canary},
		{line: 'ccflags-y += -include /etc/passwd', names: '/etc/passwd'},
	];
	for (const [index, {line, names}] of escapes.entries()) {
		const hostile = sourceWithMakefileLine(home, `escape${index}`, line);
		const result = why(hostile, home);
		t.is(result.code, 2, result.stderr);
		t.notRegex(result.stderr, /KMODX_CANARY|root:/);
		const flag = line.slice('ccflags-y += '.length);
		// Long flags are shown cut to 80 characters.
		const shown = JSON.stringify(flag.length > 80 ? `${flag.slice(0, 77)}...` : flag);
		t.is(result.stderr, `kmodx: ${hostile}: drivers/char/Makefile:${addedLine}: refused -include flag ${shown}: it names ${names}, outside the source tree and the headers directory; kmodx hands no text of a source tree to make or the shell\n`);
	}
});

integration('a source file whose name make would run is refused, not built', t => {
	const home = temporaryDirectory(t);
	// Make's $(shell) cannot hold a / in a file name: `cd` goes to HOME, the test's directory.
	const name = 'm$(shell cd;>marker).c';
	const hostile = editedSource(home, 'name', tree => {
		renameSync(path.join(tree, 'drivers/char/misc.c'), path.join(tree, 'drivers/char', name));
	});
	const result = why(hostile, home);
	t.false(existsSync(path.join(home, 'marker')), 'the command ran');
	t.is(result.code, 2, result.stderr);
	t.is(result.stderr, `kmodx: ${hostile}: refused ${JSON.stringify(`drivers/char/${name}`)}: kbuild would read its name as make or shell syntax (only letters, digits and _.,+- are passed on)\n`);
});
