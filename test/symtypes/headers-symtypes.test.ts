import {existsSync, readFileSync, symlinkSync} from 'node:fs';
import path from 'node:path';
import {gunzipSync} from 'node:zlib';
import test, {type ExecutionContext} from 'ava';
import {InputError} from '../../source/common/input-error.js';
import {explainSymtypes} from '../../source/typediff/explain-symtypes.js';
import {genksymsCrc} from '../../source/symtypes/genksyms-crc.js';
import {generateModuleLayoutSymtypes, moduleLayoutFiles, moduleLayoutSource} from '../../source/symtypes/headers-symtypes.js';
import {loadSymtypes} from '../../source/symtypes/load-symtypes.js';
import {parseSymtypes} from '../../source/symtypes/read-symtypes.js';
import {temporaryDirectory, writeTemporary} from '../helpers/derive.js';
import {headers47, headers56, needs, oracleProgram} from '../helpers/oracles.js';
import {fixture} from '../helpers/paths.js';

const integration = needs('headers', 'kbuild');

integration('the real CRCs and the corpus explanation, from installed Debian headers', async t => {
	const cacheDir = temporaryDirectory(t);
	const start = performance.now();
	const [old, current] = await Promise.all([
		generateModuleLayoutSymtypes(headers47, {timeoutMs: 120_000, cacheDir}),
		generateModuleLayoutSymtypes(headers56, {timeoutMs: 120_000, cacheDir}),
	]);
	t.log(`both headers packages: ${(performance.now() - start).toFixed(0)} ms`);
	t.is(old.crc, 0x16_0C_03_AF);
	t.is(current.crc, 0x90_60_32_3F);
	t.is(old.version, '6.1');
	t.deepEqual(old.notes, []);
	// Kbuild wrote the very file of the corpus.
	t.is(old.text, gunzipSync(readFileSync(fixture('symtypes/debian-6.1.0-47-amd64.version.symtypes.gz'))).toString('latin1'));

	const fromHeaders = explainSymtypes({
		symbol: 'module_layout',
		from: {label: '47', index: parseSymtypes(old.text, old.cachePath!), kernelCrc: 0x16_0C_03_AF},
		to: {label: '56', index: parseSymtypes(current.text, current.cachePath!), kernelCrc: 0x90_60_32_3F},
	});
	const fromCorpus = explainSymtypes({
		symbol: 'module_layout',
		from: {label: '47', index: await loadSymtypes(fixture('symtypes/debian-6.1.0-47-amd64.version.symtypes.gz')), kernelCrc: 0x16_0C_03_AF},
		to: {label: '56', index: await loadSymtypes(fixture('symtypes/debian-6.1.0-56-amd64.version.symtypes.gz')), kernelCrc: 0x90_60_32_3F},
	});
	t.true(fromHeaders.verified);
	t.deepEqual(fromHeaders, fromCorpus);

	// The second time comes from the cache: without make on the PATH it could not run kbuild.
	const cached = await generateModuleLayoutSymtypes(headers47, {timeoutMs: 120_000, cacheDir, pathEnv: temporaryDirectory(t)});
	t.is(cached.cachePath, old.cachePath);
	t.is(cached.crc, old.crc);
	t.is(genksymsCrc(parseSymtypes(cached.text, 'cached'), 'module_layout'), 0x16_0C_03_AF);
});

test('the generated version.c has the 6.1 includes, 6.12 without dynamic_debug.h', t => {
	const v61 = moduleLayoutSource(6, 1);
	t.true(v61.includes('#include <linux/dynamic_debug.h>\n'));
	t.true(v61.includes('#include <linux/mm.h>\n'));
	t.true(v61.endsWith('struct tracepoint * const *tp)\n{\n}\nEXPORT_SYMBOL(module_layout);\n'));
	const v612 = moduleLayoutSource(6, 12);
	t.false(v612.includes('dynamic_debug'));
	t.is(v612.match(/#include </g)?.length, 9);
	// 6.12 defines struct kernel_symbol in kernel/module/internal.h, a header genksyms reads (not the .c).
	t.true(v612.includes('#include "internal.h"\n'));
	t.regex(moduleLayoutFiles(6, 12).get('internal.h')!, /^struct kernel_symbol \{\n#ifdef CONFIG_HAVE_ARCH_PREL32_RELOCATIONS\n\tint value_offset;/);
	t.deepEqual([...moduleLayoutFiles(6, 1).keys()], ['version.c']);
});

/** A directory that looks like kernel headers; its Makefile stands in for kbuild. */
function fakeHeaders(t: ExecutionContext, makefile: string, compiler = 'gcc-12 (Debian 12.2.0-14) 12.2.0'): string {
	const directory = temporaryDirectory(t);
	writeTemporary(directory, 'Makefile', makefile);
	writeTemporary(directory, 'include/config/kernel.release', '6.1.170\n');
	writeTemporary(directory, 'include/config/auto.conf', `CONFIG_CC_VERSION_TEXT="${compiler}"\n`);
	return directory;
}

needs('make')('missing make or compiler: an input error that names the package', async t => {
	const headers = fakeHeaders(t, 'all:\n');
	const noMake = await t.throwsAsync(generateModuleLayoutSymtypes(headers, {timeoutMs: 5000, pathEnv: temporaryDirectory(t)}), {instanceOf: InputError});
	t.is(noMake!.message, `${headers}: generating symtypes needs make, which is not installed (Debian/Ubuntu: apt-get install make)`);

	const otherCompiler = fakeHeaders(t, 'all:\n', 'gcc-99 (Debian 99.1.0-1) 99.1.0');
	const noCompiler = await t.throwsAsync(generateModuleLayoutSymtypes(otherCompiler, {timeoutMs: 5000, pathEnv: path.dirname(oracleProgram('make'))}), {instanceOf: InputError});
	const elsewhere = 'where the release has none, run kmodx inside a root of the kernel\'s own release: "Exact why on another release" in kmodx\'s usage docs';
	t.is(noCompiler!.message, `${otherCompiler}: generating symtypes needs gcc-99, which is not installed (Debian/Ubuntu: apt-get install gcc-99; ${elsewhere})`);

	// Debian 13's 6.12 headers name the compiler with its target (their auto.conf's CONFIG_CC_VERSION_TEXT); gcc-14 brings it.
	const debian13 = fakeHeaders(t, 'all:\n', 'x86_64-linux-gnu-gcc-14 (Debian 14.2.0-19) 14.2.0');
	const onlyMake = temporaryDirectory(t);
	symlinkSync(oracleProgram('make'), path.join(onlyMake, 'make'));
	const noGcc14 = await t.throwsAsync(generateModuleLayoutSymtypes(debian13, {timeoutMs: 5000, pathEnv: onlyMake}), {instanceOf: InputError});
	t.is(noGcc14!.message, `${debian13}: generating symtypes needs x86_64-linux-gnu-gcc-14, which is not installed (Debian/Ubuntu: apt-get install gcc-14; ${elsewhere})`);
});

test('not a headers directory', async t => {
	const error = await t.throwsAsync(generateModuleLayoutSymtypes(temporaryDirectory(t), {timeoutMs: 5000}), {instanceOf: InputError});
	t.regex(error!.message, /not a kernel headers directory \(no Makefile\)$/);
});

needs('make')('a make that hangs is killed at the time limit, a failing one reported; the temporary directory goes', async t => {
	const scratch = temporaryDirectory(t);
	const marker = path.join(scratch, 'm');
	const finished = path.join(scratch, 'finished');
	const hanging = fakeHeaders(t, `version.symtypes:\n\t@echo $(M) > ${marker}; sleep 120; touch ${finished}\n`, 'sh');
	const error = await t.throwsAsync(generateModuleLayoutSymtypes(hanging, {timeoutMs: 5000}), {instanceOf: InputError});
	t.regex(error!.message, /make did not finish within 5 s and was stopped$/);
	// Killed, not waited for: the recipe never got past its sleep (make is done once the shell that
	// would touch the file has closed its output, so a recipe run to its end would have touched it).
	t.false(existsSync(finished));
	const temporary = readFileSync(marker, 'utf8').trim();
	t.regex(temporary, /kmodx-kbuild-/);
	t.false(existsSync(temporary));

	const failing = fakeHeaders(t, `version.symtypes:\n\t@echo $(M) > ${marker}; echo 'version.c:1: error: no' >&2; exit 2\n`, 'sh');
	const failed = await t.throwsAsync(generateModuleLayoutSymtypes(failing, {timeoutMs: 600_000}), {instanceOf: InputError});
	t.regex(failed!.message, /failed \(exit 2\): .*version\.c:1: error: no/);
	t.false(existsSync(readFileSync(marker, 'utf8').trim()));
});
