import {readFileSync} from 'node:fs';
import {gunzipSync} from 'node:zlib';
import test from 'ava';
import {quotedIncludes, scanExportPatterns, scanExports} from '../../source/kernel-source/scan-source.js';
import {fixture} from '../helpers/paths.js';

// The names Debian 6.1.0-47's Module.symvers lists: what the scan must produce, spelled as the kernel spells them.
const symvers = new Set(gunzipSync(readFileSync(fixture('kernels/6.1.0-47-amd64/Module.symvers.gz'))).toString('latin1').split('\n').map(line => line.split('\t')[1]));
const bytes = (text: string) => Buffer.from(text, 'latin1');

test('the export macro forms of the 6.1 tree, as its files write them, give the names Module.symvers has', t => {
	// Lines as they stand in linux-source-6.1 (file in the comment).
	const lines: Array<[string, string[]]> = [
		['EXPORT_SYMBOL(misc_register);', ['misc_register']], // Drivers/char/misc.c
		['EXPORT_SYMBOL_GPL(kthread_func);', ['kthread_func']], // Kernel/kthread.c
		['EXPORT_SYMBOL_NS_GPL(usb_stor_probe1, USB_STORAGE);', ['usb_stor_probe1']], // Drivers/usb/storage/usb.c
		['EXPORT_PER_CPU_SYMBOL(cpu_number);', ['cpu_number']], // Arch/x86/kernel/setup_percpu.c
		['EXPORT_TRACEPOINT_SYMBOL_GPL(pelt_cfs_tp);', ['__tracepoint_pelt_cfs_tp', '__traceiter_pelt_cfs_tp', '__SCK__tp_func_pelt_cfs_tp', '__SCT__tp_func_pelt_cfs_tp']], // Kernel/sched/core.c
		['EXPORT_STATIC_CALL_TRAMP(preempt_schedule);', ['__SCT__preempt_schedule']], // Kernel/sched/core.c
		['EXPORT_STATIC_CALL_GPL(kvm_x86_cache_reg);', ['__SCK__kvm_x86_cache_reg', '__SCT__kvm_x86_cache_reg']], // Arch/x86/kvm/x86.c
		['EXPORT_SYMBOL(\n\tdrm_gem_prime_mmap);', ['drm_gem_prime_mmap']], // Drivers/gpu/drm/drm_prime.c, its argument moved to the next line
	];
	for (const [line, names] of lines) {
		t.deepEqual(scanExports(bytes(`#include <linux/export.h>\n\n${line}\n`)), names, line);
		for (const name of names) {
			t.true(symvers.has(name), `${name} is in Module.symvers`);
		}
	}

	// Subsystems' wrappers export their argument too (drivers/acpi/acpica/utxface.c, iwlwifi/iwl-io.c).
	t.deepEqual(scanExports(bytes('ACPI_EXPORT_SYMBOL(acpi_install_interface)\nIWL_EXPORT_SYMBOL(iwl_read32);\n')), ['acpi_install_interface', 'iwl_read32']);
	t.true(symvers.has('acpi_install_interface') && symvers.has('iwl_read32'));
	// Not exports: a macro that exports no symbol of that name, a call without a name, a word containing EXPORT_.
	t.deepEqual(scanExports(bytes('EXPORT_WEXT_HANDLER(get_name);\nEXPORT_SYMBOL();\nMY_EXPORT_SYMBOLS_HERE(x);\nREEXPORT_SYMBOL(y);\n')), []);
});

test('quoted includes: only #include "…" at the start of a line, in any spacing', t => {
	const text = [
		'#include <linux/module.h>',
		'#include "internal.h"',
		'  #  include\t"../workqueue_internal.h"',
		'#include_next "no.h"',
		'/* #include "comment.h" is not at a line start */ int x;',
		'#define TRACE_INCLUDE_FILE "trace"',
		'#include "internal.h"',
	].join('\n');
	t.deepEqual(quotedIncludes(bytes(text)), ['internal.h', '../workqueue_internal.h']);
});

test('exports a macro makes: names its uses pass (lib/kstrtox.c), names it pastes as patterns (kernel/params.c)', t => {
	// Lib/kstrtox.c (6.1), lines 408-423, the macro's body shortened.
	const kstrtox = [
		'#define kstrto_from_user(f, g, type)\t\t\t\t\t\\',
		'int f(const char __user *s, size_t count, unsigned int base, type *res)\t\\',
		'{\t\t\t\t\t\t\t\t\t\\',
		'\treturn g(buf, base, res);\t\t\t\t\t\\',
		'}\t\t\t\t\t\t\t\t\t\\',
		'EXPORT_SYMBOL(f)',
		'',
		'kstrto_from_user(kstrtoull_from_user,\tkstrtoull,\tunsigned long long);',
		'kstrto_from_user(kstrtou8_from_user,\tkstrtou8,\tu8);',
	].join('\n');
	t.deepEqual(scanExports(bytes(kstrtox)), ['kstrtoull_from_user', 'kstrtou8_from_user']);
	t.deepEqual(scanExportPatterns(bytes(kstrtox)), []);

	// Kernel/params.c (6.1), lines 213 and 231-233 of STANDARD_PARAM_DEF, its body shortened.
	const params = [
		'#define STANDARD_PARAM_DEF(name, type, format, strtolfn)      \t\t\\',
		'\tint param_set_##name(const char *val, const struct kernel_param *kp) \\',
		'\t{ return strtolfn(val, 0, (type *)kp->arg); }\t\t\t\\',
		'\tEXPORT_SYMBOL(param_set_##name);\t\t\t\t\\',
		'\tEXPORT_SYMBOL(param_get_##name);\t\t\t\t\\',
		'\tEXPORT_SYMBOL(param_ops_##name)',
		'',
		'STANDARD_PARAM_DEF(int,\t\tint,\t\t\t"%i",  kstrtoint);',
	].join('\n');
	const patterns = scanExportPatterns(bytes(params));
	t.deepEqual(patterns, ['^param_set_\\w+$', '^param_get_\\w+$', '^param_ops_\\w+$']);
	for (const name of ['param_set_int', 'param_get_int', 'param_ops_int']) {
		t.true(symvers.has(name));
		t.true(patterns.some(pattern => new RegExp(pattern).test(name)), name);
	}

	// Outside a #define, or all parameters (nothing literal to match on): no pattern.
	t.deepEqual(scanExportPatterns(bytes('EXPORT_SYMBOL(a##b);\n#define X(a, b) \\\n\tEXPORT_SYMBOL(a##b)\n')), []);
});
