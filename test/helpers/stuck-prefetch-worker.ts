import {writeFileSync} from 'node:fs';
import {workerData} from 'node:worker_threads';
import {reading} from '../../source/scan/prefetch-protocol.js';

// A prefetch thread that claims the first file and never finishes reading it: a read stuck on a
// dead network file system. It leaves FILE.claimed beside the file once it holds it, so that the
// test knows the scan will find the file claimed. The scan must not wait for it forever.
const {states, files} = workerData as {states: SharedArrayBuffer; files: string[]};
Atomics.store(new Int32Array(states), 0, reading);
writeFileSync(`${files[0]!}.claimed`, '');
Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 60_000);
