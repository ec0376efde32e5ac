import {execFileSync} from 'node:child_process';
import {readFileSync, writeFileSync, mkdirSync} from 'node:fs';
import path from 'node:path';
import test from 'ava';
import {TarReader, type TarEntry} from '../../source/kernel-source/tar-reader.js';
import {temporaryDirectory} from '../helpers/derive.js';
import {fixture} from '../helpers/paths.js';

const tarball = fixture('kernel-source/linux-source-6.1.170-3.tar.xz');

/** The uncompressed fixture, by the system's xz: the reader under test sees plain tar bytes. */
function plainTar(): Buffer {
	return execFileSync('xz', ['-dc', tarball], {maxBuffer: 64 * 1024 * 1024});
}

function read(data: Buffer, chunkSize: number): {entries: TarEntry[]; bytes: Map<string, Buffer>} {
	const entries: TarEntry[] = [];
	const bytes = new Map<string, Buffer>();
	const reader = new TarReader('test.tar', {
		entry(entry) {
			entries.push(entry);
			return entry.path.endsWith('.c');
		},
		data(entry, data) {
			bytes.set(entry.path, Buffer.from(data));
		},
	});
	for (let at = 0; at < data.length; at += chunkSize) {
		reader.push(data.subarray(at, at + chunkSize));
	}

	reader.end();
	return {entries, bytes};
}

test('members, sizes and bytes equal what GNU tar lists and extracts, in any chunking', t => {
	const data = plainTar();
	// `tar -tv`: permissions, owner, size, date, time, name.
	const listing = execFileSync('tar', ['-tvf', '-'], {input: data, encoding: 'utf8'}).trim().split('\n').map(line => line.split(/\s+/));
	const files = listing.filter(fields => fields[0]!.startsWith('-')).map(fields => ({path: fields[5]!, size: Number(fields[2])}));
	for (const chunkSize of [1, 511, 512, 4096, 65_536, data.length]) {
		const {entries, bytes} = read(data, chunkSize);
		t.deepEqual(entries.filter(entry => entry.kind === 'file').map(entry => ({path: entry.path, size: entry.size})), files, `chunks of ${chunkSize}`);
		t.deepEqual(entries.filter(entry => entry.kind === 'directory').map(entry => entry.path), listing.filter(fields => fields[0]!.startsWith('d')).map(fields => fields[5]!.replace(/\/$/, '')));
		for (const file of ['linux-source-6.1/drivers/char/misc.c', 'linux-source-6.1/kernel/kthread.c']) {
			t.deepEqual(bytes.get(file), execFileSync('tar', ['-xOf', '-', file], {input: data, maxBuffer: 64 * 1024 * 1024}), file);
		}
	}

	// Offsets point at each member's bytes in the stream.
	const {entries} = read(data, 65_536);
	const misc = entries.find(entry => entry.path.endsWith('/misc.c'))!;
	t.true(data.subarray(misc.offset, misc.offset + misc.size).toString('latin1').includes('EXPORT_SYMBOL(misc_register);'));
});

test('long names: GNU long-name records and pax headers, as GNU tar writes them', t => {
	const directory = temporaryDirectory(t);
	const long = `${'deep/'.repeat(30)}misc.c`;
	mkdirSync(path.join(directory, path.dirname(long)), {recursive: true});
	writeFileSync(path.join(directory, long), execFileSync('tar', ['-xJOf', tarball, 'linux-source-6.1/drivers/char/misc.c']));
	for (const format of ['gnu', 'pax', 'ustar']) {
		const archive = path.join(directory, `${format}.tar`);
		try {
			execFileSync('tar', [`--format=${format}`, '-C', directory, '-cf', archive, long], {stdio: 'pipe'});
		} catch {
			t.is(format, 'ustar', 'ustar may not hold a name of this length');
			continue;
		}

		const {entries, bytes} = read(readFileSync(archive), 700);
		t.deepEqual(entries.filter(entry => entry.kind === 'file').map(entry => entry.path), [long], format);
		t.is(bytes.get(long)!.toString('latin1').includes('misc_register'), true, format);
	}
});

test('damaged, truncated and foreign data are input errors naming the file', t => {
	const data = plainTar();
	const flipped = Buffer.from(data);
	flipped[700] = flipped[700]! ^ 0xFF; // Inside the second member's header (the first is the top directory).
	t.throws(() => read(flipped, 4096), {message: /^test\.tar: tar header at byte 512 is damaged \(checksum\)$/});
	t.throws(() => read(data.subarray(0, 10_000), 4096), {message: 'test.tar: tar archive is truncated'});
	t.throws(() => read(Buffer.from('int main(void) { return 0; }\n'.repeat(40)), 4096), {message: 'test.tar: not a tar archive'});
	t.throws(() => read(Buffer.alloc(0), 4096), {message: 'test.tar: not a tar archive (no members)'});
});
