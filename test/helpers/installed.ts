import {spawnSync} from 'node:child_process';
import {copyFileSync, existsSync, mkdirSync, readFileSync, symlinkSync, writeFileSync} from 'node:fs';
import path from 'node:path';
import {gzipSync} from 'node:zlib';
import {readGzipText, temporaryDirectory, type Owner} from './derive.js';
import {corpus, fixture} from './paths.js';

export const release = '6.1.0-47-amd64';

/** The real unpacked linux-image-6.1.0-47-amd64-unsigned (scripts/scale-test.sh --download), for the tests on a whole installed kernel. */
export const downloadedRoot = path.join(process.env['KMODX_SCALE_DIR'] ?? '/tmp/kmodx-scale', 'tree');
export const downloadedTree = path.join(downloadedRoot, 'lib/modules', release);
export const hasDownloadedTree = existsSync(path.join(downloadedTree, 'modules.order'));
export const downloadMissing = `skipped: ${downloadedTree} is missing (scripts/scale-test.sh --download unpacks linux-image-${release}-unsigned there)`;

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

/** Whether the `xz` and `zstd` programs can compress fixtures (gzip needs none: node:zlib). */
export function canCompress(format: 'xz' | 'zst'): boolean {
	return spawnSync(format === 'xz' ? 'xz' : 'zstd', ['--version'], {stdio: 'ignore'}).status === 0;
}

function compressed(data: Buffer, format: 'gz' | 'xz' | 'zst'): Buffer | undefined {
	if (format === 'gz') {
		return gzipSync(data);
	}

	// As the distributions do: xz with a CRC32 check (the kernel's own decoder needs it), zstd plain.
	const result = format === 'xz'
		? spawnSync('xz', ['--check=crc32', '-c'], {input: data, maxBuffer: 64 * 1024 * 1024})
		: spawnSync('zstd', ['-q', '-c'], {input: data, maxBuffer: 64 * 1024 * 1024});
	return result.status === 0 ? result.stdout : undefined;
}

export type FakeTree = {root: string; modules: string; files: string[]};

/**
An installed kernel made of real files in a temporary directory (removed when `owner` ends):
ROOT/boot/vmlinuz-<release> (a link to the corpus image), ROOT/boot/config-<release>, and
ROOT/lib/modules/<release>/ with `files` (compressed when asked and the tool is there), a
modules.order. `imageInModules` puts the image in the modules directory instead (Fedora, Arch).
*/
export function fakeTree(owner: Owner, {files = defaultTreeFiles, imageInModules = false, usr = false, config = true, image = corpusImage}: {files?: TreeFile[]; imageInModules?: boolean; usr?: boolean; config?: boolean; image?: string | false} = {}): FakeTree {
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
