import {existsSync} from 'node:fs';
import path from 'node:path';
import {isHeadersDirectory} from '../kbuild/headers-dir.js';
import type {Kernel} from '../kernel/kernel.js';
import {isSourceTree} from './types-flags.js';

/**
The kernel's headers/build directory, which kbuild compiles against: the one given with -k, the
one a given Module.symvers lies in, or the installed one of its release.
*/
export function headersDirectoryOf(kernel: Kernel, root = '/'): string | undefined {
	const given = kernel.typeSources.find(source => source.kind === 'headers');
	if (given) {
		return given.path;
	}

	for (const file of kernel.files) {
		const directory = path.dirname(file);
		if (isHeadersDirectory(directory)) {
			return directory;
		}
	}

	if (kernel.release) {
		return [path.join(root, 'usr/src', `linux-headers-${kernel.release}`), path.join(root, 'lib/modules', kernel.release, 'build')]
			.find(directory => isHeadersDirectory(directory));
	}

	return undefined;
}

/**
Where distributions put a kernel's source, for `major.minor` (and the release, when known):
Debian and Ubuntu's linux-source-X.Y package (`/usr/src/linux-source-6.1.tar.xz`), an unpacked
copy of it, and the build's own tree behind /lib/modules/<release>/source. The caller checks
that a tree found here is the same version as the kernel.
*/
export function sourceCandidates(major: number, minor: number, release: string | undefined, root = '/'): string[] {
	const usrSrc = path.join(root, 'usr/src');
	const base = `linux-source-${major}.${minor}`;
	const tarballs = ['tar.xz', 'tar.bz2', 'tar.gz', 'tar.zst'].map(extension => path.join(usrSrc, `${base}.${extension}`));
	const trees = [path.join(usrSrc, base), ...(release ? [path.join(root, 'lib/modules', release, 'source'), path.join(usrSrc, `linux-${release}`)] : [])];
	return [...tarballs.filter(file => existsSync(file)), ...trees.filter(directory => isSourceTree(directory))];
}
