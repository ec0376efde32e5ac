import {openKernelSource} from '../source/kernel-source/kernel-source.js';

// `node build/bench/index-source.js TARBALL`: builds the index of a kernel source tarball, no cache.
const [source] = process.argv.slice(2);
const opened = await openKernelSource(source!, {});
process.stdout.write(`${opened.index.files.length} files, ${opened.index.exports.size} exported names\n`);
