import {execFileSync} from 'node:child_process';
import {copyFileSync, mkdirSync, readFileSync, symlinkSync, writeFileSync} from 'node:fs';
import path from 'node:path';
import {gzipSync} from 'node:zlib';
import {readGzipText, temporaryDirectory, type Owner} from './derive.js';
import {oracleProgram} from './oracles.js';
import {corpus, fixture} from './paths.js';

export const release = '6.1.0-47-amd64';

/** The corpus image of 6.1.0-47, what an installed tree needs for vmlinux's exports. */
export const corpusImage = corpus('kernels', `debian-${release}`, 'vmlinuz');

/** A module of the fake tree: where it goes under lib/modules/<release>, and from which real file. */
export type TreeFile = {at: string; from: string; compress?: 'gz' | 'xz' | 'zst'};

/** Real Debian 6.1.0-47 modules at their installed paths, compressed each way a distribution does. */
export const defaultTreeFiles: TreeFile[] = [
	{at: 'kernel/drivers/usb/storage/usb-storage.ko', from: fixture('modules/6.1.0-47-amd64/usb-storage.ko'), compress: 'xz'},
	{at: 'kernel/drivers/usb/storage/uas.ko', from: fixture('modules/6.1.0-47-amd64/uas.ko')},
	{at: 'kernel/drivers/cxl/cxl_pci.ko', from: fixture('modules/6.1.0-47-amd64/cxl_pci.ko'), compress: 'gz'},
	{at: 'kernel/drivers/net/dummy.ko', from: fixture('modules/6.1.0-47-amd64/dummy.ko')},
	{at: 'kernel/fs/nls/nls_utf8.ko', from: fixture('modules/6.1.0-47-amd64/nls_utf8.ko')},
	{at: 'kernel/net/netfilter/x_tables.ko', from: fixture('tree/6.1.0-47-amd64/kernel/net/netfilter/x_tables.ko'), compress: 'zst'},
];

/** `data` compressed with gzip (node:zlib), xz or zstd: a test of a tree with compressed files declares needs('xz', 'zstd'). */
function compressed(data: Buffer, format: 'gz' | 'xz' | 'zst'): Buffer {
	if (format === 'gz') {
		return gzipSync(data);
	}

	// As the distributions do: xz with a CRC32 check (the kernel's own decoder needs it), zstd plain.
	return format === 'xz'
		? execFileSync(oracleProgram('xz'), ['--check=crc32', '-c'], {input: data, maxBuffer: 64 * 1024 * 1024})
		: execFileSync(oracleProgram('zstd'), ['-q', '-c'], {input: data, maxBuffer: 64 * 1024 * 1024});
}

export type FakeTree = {root: string; modules: string; files: string[]};

type FakeTreeOptions = {files?: TreeFile[]; imageInModules?: boolean; usr?: boolean; config?: boolean; image?: string | false};

/**
An installed kernel made of real files in a temporary directory (removed when `owner` ends):
ROOT/boot/vmlinuz-<release> (a link to the corpus image), ROOT/boot/config-<release>, and
ROOT/lib/modules/<release>/ with `files` (compressed when asked), a
modules.order. `imageInModules` puts the image in the modules directory instead (Fedora, Arch).
*/
export function fakeTree(owner: Owner, {files = defaultTreeFiles, imageInModules = false, usr = false, config = true, image = corpusImage}: FakeTreeOptions = {}): FakeTree {
	const root = temporaryDirectory(owner, 'tree');
	const modules = path.join(root, usr ? 'usr/lib/modules' : 'lib/modules', release);
	mkdirSync(modules, {recursive: true});
	mkdirSync(path.join(root, 'boot'), {recursive: true});
	if (image) {
		symlinkSync(image, imageInModules ? path.join(modules, 'vmlinuz') : path.join(root, 'boot', `vmlinuz-${release}`));
	}

	if (config) {
		writeFileSync(path.join(root, 'boot', `config-${release}`), readGzipText(fixture('kernels', release, 'config.gz')));
	}

	const written: string[] = [];
	for (const file of files) {
		const data = readFileSync(file.from);
		const packed = file.compress ? compressed(data, file.compress) : undefined;
		const target = path.join(modules, packed ? `${file.at}.${file.compress!}` : file.at);
		mkdirSync(path.dirname(target), {recursive: true});
		if (packed) {
			writeFileSync(target, packed);
		} else {
			copyFileSync(file.from, target);
		}

		written.push(target);
	}

	writeFileSync(path.join(modules, 'modules.order'), files.map(file => file.at).join('\n') + '\n');
	return {root, modules, files: written};
}
