import {execFileSync} from 'node:child_process';
import {existsSync, mkdirSync, readFileSync, statSync} from 'node:fs';
import path from 'node:path';
import test from 'ava';
import {findModules} from '../../source/module/find-modules.js';
import {Prefetcher} from '../../source/scan/prefetch.js';
import {abandoned} from '../../source/scan/prefetch-protocol.js';
import {scanModules, type ScanResult} from '../../source/scan/scan-modules.js';
import {temporaryDirectory, writeTemporary} from '../helpers/derive.js';
import {symversKernel} from '../helpers/kernels.js';
import {fixture} from '../helpers/paths.js';

const modules = () => findModules([fixture('modules'), fixture('compression')]).filter(file => /\.ko(\.|$)/.test(file));

test('the prefetch thread hands over every file up to its limit byte for byte, in order, around a small ring', t => {
	const files = Array.from({length: 6}, () => modules()).flat();
	const limit = 48 * 1024;
	const prefetcher = new Prefetcher(files, {ringSize: 128 * 1024, limit, waitForThread: true});
	let delivered = 0;
	let left = 0;
	try {
		for (const [index, file] of files.entries()) {
			const data = prefetcher.take(index);
			if (data) {
				t.true(Buffer.from(readFileSync(file)).equals(Buffer.from(data)), file);
				delivered++;
			} else {
				left++;
			}

			prefetcher.release(index);
		}
	} finally {
		prefetcher.stop();
	}

	// The scan reads those over the limit itself; the thread the rest.
	const small = files.filter(file => statSync(file).size <= limit).length;
	t.is(delivered, small);
	t.is(left, files.length - small);
	t.true(left > 0 && delivered > 128 * 1024 / limit * 4, 'files over the limit, and the ring went round several times');
});

test('what the thread cannot read is left to the scan: missing, a directory, empty, a FIFO (without waiting for a writer)', t => {
	const directory = temporaryDirectory(t);
	const fifo = path.join(directory, 'fifo.ko');
	execFileSync('mkfifo', [fifo]);
	mkdirSync(path.join(directory, 'dir.ko'));
	const files = [path.join(directory, 'missing.ko'), path.join(directory, 'dir.ko'), writeTemporary(directory, 'empty.ko', ''), fifo, fixture('modules/my_drv-6.1.0-47-amd64.ko')];
	const prefetcher = new Prefetcher(files, {patience: 30_000, waitForThread: true});
	try {
		const last = prefetcher.take(files.length - 1);
		t.true(Buffer.from(readFileSync(files.at(-1)!)).equals(Buffer.from(last!)));
		for (let index = 0; index < files.length - 1; index++) {
			t.is(prefetcher.take(index), undefined, files[index]);
		}
	} finally {
		prefetcher.stop();
	}
});

test('a prefetch thread stuck on a file costs the scan its patience, not a hang: then the scan reads everything itself', t => {
	const directory = temporaryDirectory(t);
	const files = modules().slice(0, 3).map(file => writeTemporary(directory, path.basename(file), readFileSync(file)));
	const prefetcher = new Prefetcher(files, {patience: 300, workerUrl: new URL('../helpers/stuck-prefetch-worker.js', import.meta.url)});
	try {
		const sleep = new Int32Array(new SharedArrayBuffer(4));
		for (let waited = 0; !existsSync(`${files[0]!}.claimed`) && waited < 120_000; waited += 20) {
			Atomics.wait(sleep, 0, 0, 20);
		}

		// The file stays claimed: after its patience the scan gives up on the thread and reads it.
		t.is(prefetcher.take(0), undefined);
		t.is(Atomics.load(prefetcher['control'], abandoned), 1, 'the thread is told to stop claiming files');
		// Given up on: the rest without waiting.
		t.is(prefetcher.take(1), undefined);
		t.is(prefetcher.take(2), undefined);
	} finally {
		prefetcher.stop();
	}
});

test('scanModules gives the same results with and without the prefetch thread', async t => {
	const files = findModules([fixture('modules/6.1.0-47-amd64'), fixture('modules/my_drv-6.1.0-47-amd64.ko'), fixture('compression')]).filter(file => /\.ko(\.|$)/.test(file));
	const kernels = await Promise.all([symversKernel('6.1.0-47-amd64', '47'), symversKernel('6.1.0-56-amd64', '56')]);
	const scan = async (prefetch: boolean, mode: 'report' | 'row') => {
		const results: ScanResult[] = [];
		await scanModules(files, kernels, {missingVersion: 'fatal'}, {workers: 0, prefetch, digest: {mode}, onResult: result => results.push(result)});
		return results;
	};

	for (const mode of ['report', 'row'] as const) {
		// eslint-disable-next-line no-await-in-loop
		const [without, withThread] = [await scan(false, mode), await scan(true, mode)];
		t.is(without.length, files.length);
		t.deepEqual(withThread, without, mode);
	}
});
