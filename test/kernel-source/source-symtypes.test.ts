import {readFileSync} from 'node:fs';
import {gunzipSync} from 'node:zlib';
import {openKernelSource, tarballIdentity, type KernelSource} from '../../source/kernel-source/kernel-source.js';
import {rememberedSourceSymtypes, sourceSymtypes, type SourceSymtypes} from '../../source/kernel-source/source-symtypes.js';
import {explainSymtypes} from '../../source/typediff/explain-symtypes.js';
import {temporaryDirectory} from '../helpers/derive.js';
import {changedFor, definitions, referenceSymtypes} from '../helpers/symtypes-reference.js';
import {headers47, headers56, needs} from '../helpers/oracles.js';
import {fixture} from '../helpers/paths.js';

const kernels = [
	{label: '47', headers: headers47, tarball: fixture('kernel-source/linux-source-6.1.170-3.tar.xz'), symvers: fixture('kernels/6.1.0-47-amd64/Module.symvers.gz')},
	{label: '56', headers: headers56, tarball: fixture('kernel-source/linux-source-6.1.192-2.tar.xz'), symvers: fixture('kernels/6.1.0-56-amd64/Module.symvers.gz')},
] as const;
const integration = needs('headers', 'kbuild').serial;

// My_drv's imports whose CRC changed 47 → 56 and whose exporting files the fixture holds.
const symbols = {
	module_layout: 'kernel/module/version.c',
	misc_register: 'drivers/char/misc.c',
	misc_deregister: 'drivers/char/misc.c',
	kthread_stop: 'kernel/kthread.c',
	kthread_create_on_node: 'kernel/kthread.c',
	kmalloc_trace: 'mm/slab_common.c',
	kmalloc_caches: 'mm/slab_common.c',
	debugfs_remove: 'fs/debugfs/inode.c',
	debugfs_create_file: 'fs/debugfs/inode.c',
} as const;

function symversCrcs(file: string): Map<string, {crc: number; module: string}> {
	const lines = gunzipSync(readFileSync(file)).toString('latin1').split('\n');
	return new Map(lines.map(line => line.split('\t')).filter(fields => fields.length >= 3).map(fields => [fields[1]!, {crc: Number.parseInt(fields[0]!, 16) >>> 0, module: fields[2]!}]));
}

integration('from the kernels\' own source: every CRC equals Module.symvers, and the changes are what a plain diff of genksyms\'s output shows', async t => {
	const cacheDir = temporaryDirectory(t);
	const sources: KernelSource[] = await Promise.all(kernels.map(async kernel => openKernelSource(kernel.tarball, {cacheDir})));
	const crcs = kernels.map(kernel => symversCrcs(kernel.symvers));
	const generated = new Map<string, SourceSymtypes[]>();
	const preprocessed = new Set<string>();
	for (const symbol of Object.keys(symbols)) {
		const messages: string[] = [];
		// eslint-disable-next-line no-await-in-loop
		const sides = await Promise.all(kernels.map(async (kernel, side) => sourceSymtypes({
			source: sources[side]!, headers: kernel.headers, symbol, exporter: crcs[side]!.get(symbol)!.module, kernelCrc: crcs[side]!.get(symbol)!.crc, cacheDir, timeoutMs: 120_000, onProgress: message => messages.push(message),
		})));
		// Another symbol of a file preprocessed before takes its symtypes from the cache.
		const file = symbols[symbol as keyof typeof symbols];
		t.is(messages.some(message => message.startsWith('preprocessing')), !preprocessed.has(file), symbol);
		preprocessed.add(file);
		for (const [side, result] of sides.entries()) {
			t.is(result.file, symbols[symbol as keyof typeof symbols], symbol);
			t.is(result.crc, crcs[side]!.get(symbol)!.crc, `${symbol} on ${kernels[side]!.label}`);
		}

		generated.set(symbol, sides);
	}

	for (const file of ['drivers/char/misc.c', 'kernel/kthread.c', 'mm/slab_common.c']) {
		const [before, after] = kernels.map(kernel => definitions(referenceSymtypes(t, kernel.tarball, kernel.headers, file)));
		for (const [symbol, exporter] of Object.entries(symbols)) {
			if (exporter !== file) {
				continue;
			}

			const [from, to] = generated.get(symbol)!;
			const explanation = explainSymtypes({
				symbol,
				from: {label: '47', index: from!.index, kernelCrc: crcs[0]!.get(symbol)!.crc},
				to: {label: '56', index: to!.index, kernelCrc: crcs[1]!.get(symbol)!.crc},
			});
			t.true(explanation.verified, symbol);
			t.true(explanation.complete, symbol);
			t.deepEqual([...new Set(explanation.changes.map(change => change.type))].sort(), changedFor(before!, after!, symbol), symbol);
		}
	}

	// The second time, every unit comes from the cache: no temporary tree, no make.
	const again = await sourceSymtypes({source: sources[0]!, headers: kernels[0].headers, symbol: 'misc_register', exporter: 'vmlinux', kernelCrc: crcs[0]!.get('misc_register')!.crc, cacheDir, timeoutMs: 1, onProgress: message => t.fail(`no work expected, got: ${message}`)});
	t.is(again.crc, crcs[0]!.get('misc_register')!.crc);

	// And a later run finds the answer before it opens the tarball: the file and its symtypes, from the cache.
	const remembered = {headers: kernels[0].headers, symbol: 'misc_register', exporter: 'vmlinux', kernelCrc: crcs[0]!.get('misc_register')!.crc, cacheDir, sourcePath: kernels[0].tarball, sourceIdentity: (await tarballIdentity(kernels[0].tarball))!};
	const found = await rememberedSourceSymtypes(remembered);
	t.is(found?.file, 'drivers/char/misc.c');
	t.is(found?.crc, crcs[0]!.get('misc_register')!.crc);
	t.is(await rememberedSourceSymtypes({...remembered, kernelCrc: 1}), undefined, 'another CRC is another question');
	t.is(await rememberedSourceSymtypes({...remembered, sourceIdentity: 'tarball:another'}), undefined, 'another tarball too');
});

integration('a symbol no file of the tree exports is an input error that says so', async t => {
	const source = await openKernelSource(kernels[0].tarball, {});
	const request = {source, headers: kernels[0].headers, exporter: 'vmlinux', kernelCrc: undefined, cacheDir: undefined, timeoutMs: 120_000};
	await t.throwsAsync(sourceSymtypes({...request, symbol: 'wake_up_process'}), {message: /: no file here exports wake_up_process \(searched \.c and \.S files/});
});
