import {execFileSync} from 'node:child_process';
import test from 'ava';
import {kbuildFlags, treeRoot} from '../../source/kernel-source/kbuild-flags.js';
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
	const dump = kbuildFlags(`${root}/fw/dump.c`, new Map([[`${root}/Makefile`, iwlwifi]]), config);
	t.deepEqual(dump, {lines: [`ccflags-y += -I${treeRoot}/${root}`, `asflags-y += -I${treeRoot}/${root}`], directories: [root]});
	// Drivers/platform/chrome/Makefile (6.1), line 5: a flag for one object only; subdir flags reach every descendant.
	const chrome = Buffer.from('CFLAGS_cros_ec_trace.o:=\t\t-I$(src)\nCFLAGS_cros_ec_sensorhub_ring.o:=\t-I$(src)\nccflags-$(CONFIG_CROS_EC_SENSORHUB) += -DNOT_y\n');
	t.deepEqual(kbuildFlags('drivers/platform/chrome/cros_ec_sensorhub_ring.c', new Map([['drivers/platform/chrome/Makefile', chrome]]), config).directories, ['drivers/platform/chrome']);
	t.deepEqual(kbuildFlags('drivers/platform/chrome/cros_ec_proto.c', new Map([['drivers/platform/chrome/Makefile', chrome]]), config), {lines: [], directories: []}, 'CONFIG_CROS_EC_SENSORHUB=m: ccflags-m is not read');
	const subdir = Buffer.from('subdir-ccflags-y += -I$(srctree)/include/linux/mlx5 -DDEBUG -Wno-unused $(call cc-option,-foo)\n');
	t.deepEqual(kbuildFlags('drivers/net/ethernet/mellanox/mlx5/core/main.c', new Map([['drivers/net/ethernet/mellanox/Makefile', subdir]]), config).lines[0], 'ccflags-y += -I$(srctree)/include/linux/mlx5 -DDEBUG');
});
