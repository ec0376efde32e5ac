import {execFileSync} from 'node:child_process';
import test from 'ava';
import {UnsafeInputError} from '../../source/common/input-error.js';
import {kbuildFlags} from '../../source/kernel-source/kbuild-flags.js';
import {builtByConfig} from '../../source/kernel-source/translation-unit.js';
import {readGzipText} from '../helpers/derive.js';
import {fixture} from '../helpers/paths.js';

// Debian 6.1.0-47's configuration, as kbuild reads it.
const config = new Map([...readGzipText(fixture('kernels/6.1.0-47-amd64/config.gz')).matchAll(/^(CONFIG_\w+)=(.*)$/gm)].map(match => [match[1]!, match[2]!]));
const makefile = (file: string) => execFileSync('tar', ['-xJOf', fixture('kernel-source/linux-source-6.1.170-3.tar.xz'), `linux-source-6.1/${file}`], {encoding: 'latin1'});

test('which of several exporting files the configuration builds, from the real mm/Makefile (CONFIG_SLUB=y)', t => {
	const mm = makefile('mm/Makefile');
	t.true(builtByConfig(mm, 'mm/slub.c', config));
	t.false(builtByConfig(mm, 'mm/slab.c', config));
	t.false(builtByConfig(mm, 'mm/slob.c', config));
	t.true(builtByConfig(mm, 'mm/slab_common.c', config));
	t.is(builtByConfig(mm, 'mm/no_such_file.c', config), undefined);
});

test('conditionals and $(BITS): arch/x86/lib/Makefile builds memcpy_64.o on a 64-bit kernel', t => {
	// Lines 46 and 57-75 of arch/x86/lib/Makefile (6.1), shortened to the lines that decide.
	const lib = [
		'lib-y += memcpy_$(BITS).o',
		'ifeq ($(CONFIG_X86_32),y)',
		'        obj-y += atomic64_32.o',
		'        lib-y += atomic64_cx8_32.o',
		'ifneq ($(CONFIG_X86_CMPXCHG64),y)',
		'        lib-y += cmpxchg8b_emu.o',
		'endif',
		'else',
		'        obj-y += iomap_copy_64.o',
		'        lib-y += csum-partial_64.o csum-copy_64.o csum-wrappers_64.o',
		'endif',
	].join('\n');
	t.true(builtByConfig(lib, 'arch/x86/lib/memcpy_64.S', config));
	t.is(builtByConfig(lib, 'arch/x86/lib/memcpy_32.c', config), undefined);
	t.false(builtByConfig(lib, 'arch/x86/lib/atomic64_32.c', config));
	t.false(builtByConfig(lib, 'arch/x86/lib/cmpxchg8b_emu.S', config));
	t.true(builtByConfig(lib, 'arch/x86/lib/iomap_copy_64.S', config));
});

test('-I flags of the Makefile that builds the object, pointed at the temporary tree', t => {
	// Drivers/net/wireless/intel/iwlwifi/Makefile (6.1), lines 19, 29 and 35: fw/dump.o is built from the parent directory.
	const iwlwifi = Buffer.from('iwlwifi-objs\t\t+= fw/dbg.o fw/pnvm.o fw/dump.o\nccflags-y += -I$(src)\nCFLAGS_iwl-devtrace.o := -I$(src)\n');
	const root = 'drivers/net/wireless/intel/iwlwifi';
	const dump = kbuildFlags(`${root}/fw/dump.c`, new Map([[`${root}/Makefile`, iwlwifi]]), config, 'linux.tar');
	t.deepEqual(dump, {flags: [{option: '-I', value: root, base: 'tree'}], directories: [root]});
	// Drivers/platform/chrome/Makefile (6.1), line 5: a flag for one object only; subdir flags reach every descendant.
	const chrome = Buffer.from('CFLAGS_cros_ec_trace.o:=\t\t-I$(src)\nCFLAGS_cros_ec_sensorhub_ring.o:=\t-I$(src)\nccflags-$(CONFIG_CROS_EC_SENSORHUB) += -DNOT_y\n');
	t.deepEqual(kbuildFlags('drivers/platform/chrome/cros_ec_sensorhub_ring.c', new Map([['drivers/platform/chrome/Makefile', chrome]]), config, 'linux.tar').directories, ['drivers/platform/chrome']);
	t.deepEqual(kbuildFlags('drivers/platform/chrome/cros_ec_proto.c', new Map([['drivers/platform/chrome/Makefile', chrome]]), config, 'linux.tar'), {flags: [], directories: []}, 'CONFIG_CROS_EC_SENSORHUB=m: ccflags-m is not read');
	const subdir = Buffer.from('subdir-ccflags-y += -I$(srctree)/include/linux/mlx5 -DDEBUG -Wno-unused $(call cc-option,-foo) # a comment -DNOT\n');
	t.deepEqual(kbuildFlags('drivers/net/ethernet/mellanox/mlx5/core/main.c', new Map([['drivers/net/ethernet/mellanox/Makefile', subdir]]), config, 'linux.tar').flags, [
		{option: '-I', value: 'include/linux/mlx5', base: 'headers'}, {option: '-D', value: 'DEBUG'},
	]);
});

test('quoted definitions are read as the shell reads them; flags that need make variables kmodx cannot know are left out', t => {
	// Drivers/crypto/intel/iaa/Makefile (6.13), line 6; drivers/gpu/drm/amd/amdgpu/Makefile (6.1), line 31, continued as there.
	const iaa = Buffer.from('ccflags-y += -I $(srctree)/drivers/dma/idxd -DDEFAULT_SYMBOL_NAMESPACE=\'"CRYPTO_DEV_IAA_CRYPTO"\'\n');
	t.deepEqual(kbuildFlags('drivers/crypto/intel/iaa/iaa_crypto_main.c', new Map([['drivers/crypto/intel/iaa/Makefile', iaa]]), config, 'linux.tar').flags, [
		{option: '-I', value: 'drivers/dma/idxd', base: 'tree'}, {option: '-D', value: 'DEFAULT_SYMBOL_NAMESPACE="CRYPTO_DEV_IAA_CRYPTO"'},
	]);
	const amdgpu = Buffer.from('ccflags-y := -I$(FULL_AMD_PATH)/include/asic_reg \\\n\t-I$(FULL_AMD_PATH)/include \\\n\t-I$(src) \\\n\t-D\'pr_fmt(fmt)=KBUILD_MODNAME ": " fmt\'\n');
	t.deepEqual(kbuildFlags('drivers/gpu/drm/amd/amdgpu/amdgpu_drv.c', new Map([['drivers/gpu/drm/amd/amdgpu/Makefile', amdgpu]]), config, 'linux.tar').flags, [
		{option: '-I', value: 'drivers/gpu/drm/amd/amdgpu', base: 'tree'}, {option: '-D', value: 'pr_fmt(fmt)=KBUILD_MODNAME ": " fmt'},
	]);
});

/** A Makefile line of drivers/char/Makefile (the real one of 6.1.170, with `line` appended) as kmodx reads it. */
function charFlags(line: string) {
	const text = Buffer.from(`${charMakefile}${line}\n`, 'latin1');
	return () => kbuildFlags('drivers/char/misc.c', new Map([['drivers/char/Makefile', text]]), config, 'linux.tar');
}

const charMakefile = makefile('drivers/char/Makefile');
const charLines = charMakefile.split('\n').length;

test('a Makefile line that would run a command or read outside the tree is refused: one line naming the Makefile and line', t => {
	const marker = '/tmp/kmodx-never-made';
	const hostile = [
		[`ccflags-y += -include$(srctree)/drivers/char/misc.h\`touch${'$${IFS}'}${marker}\``, /it holds a backquote the shell would interpret/],
		[`ccflags-y += -I$(srctree)/drivers/char;>${marker}`, /it holds a ; the shell would interpret/],
		[`ccflags-y += -include$(shell touch ${marker})`, /it holds make's \$\(shell …\)/],
		[`ccflags-y += -I$(srctree)/drivers$$(>${marker})`, /it holds a \$\$ \(a \$ for the shell\)/],
		[`ccflags-y += -DFOO=$(shell touch ${marker})`, /it holds make's \$\(shell …\)/],
		[`ccflags-y += -DFOO='\`>${marker}\`'`, /it holds characters make or the shell would interpret/],
		[`ccflags-y += -DFOO="$$(>${marker})"`, /it holds a \$\$/],
		[`ccflags-y += -DFOO=\\\`>${marker}\\\``, /it holds a > the shell would interpret/],
		['ccflags-y += -DFOO=\\`id\\`', /it holds characters make or the shell would interpret/],
		['ccflags-y += -I\'$(srctree)/drivers/a b\'', /its path holds characters make or the shell would interpret/],
		['ccflags-y += -include$(srctree)/drivers/../../../../etc/passwd', /it names \.\.\/\.\.\/\.\.\/etc\/passwd, outside the source tree and the headers directory/],
		['ccflags-y += -I$(src)/../../..', /it names \.\., outside/],
		['ccflags-y += -include /etc/passwd', /it names \/etc\/passwd, outside the source tree and the headers directory/],
		['ccflags-y += -I$(srctree)/include/../../etc', /it names \.\.\/etc, outside/],
		['ccflags-y += -DFOO=\'a', /an unclosed quote/],
	] as const;
	for (const [line, reason] of hostile) {
		const error = t.throws(charFlags(line), {instanceOf: UnsafeInputError}, line);
		t.regex(error!.message, new RegExp(`^linux\\.tar: drivers/char/Makefile:${charLines}: refused `), line);
		t.regex(error!.message, reason, line);
		t.notRegex(error!.message, /[\n\r]/, line);
	}

	// Continued lines are named by their first line.
	t.throws(charFlags('ccflags-y += -DA \\\n\t-I/etc'), {message: new RegExp(`drivers/char/Makefile:${charLines}: refused -I flag "-I/etc"`)});
});

test('what kbuild would never pass on anyway is left out, not refused', t => {
	for (const line of ['ccflags-y += $(shell touch /tmp/kmodx-never-made) -Wall', 'ccflags-y += -Wno-error ; -fno-strict-aliasing', 'ccflags-y += -DX \\# not a comment', 'ccflags-m += -include /etc/passwd', 'CFLAGS_other.o += -I/etc']) {
		const flags = charFlags(line);
		t.notThrows(flags, line);
	}

	t.deepEqual(charFlags('ccflags-y += -DX \\\n-DY')().flags, [{option: '-D', value: 'X'}, {option: '-D', value: 'Y'}], 'a backslash-newline continues the line');
});
