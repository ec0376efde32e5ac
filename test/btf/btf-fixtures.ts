import {readFileSync} from 'node:fs';
import {gunzipSync} from 'node:zlib';
import {type Btf, parseBtf} from '../../source/btf/btf.js';
import {fixture} from '../helpers/paths.js';

/** Real BTF cut from the Debian 6.1.0-47 / -56 vmlinux (see test/helpers/make-btf-fixtures.ts). */
export const btfFixture = (release: '47' | '56') => fixture('btf', `debian-6.1.0-${release}-amd64.btf.gz`);

const cache = new Map<string, Uint8Array>();

export function rawFixture(release: '47' | '56'): Uint8Array {
	let data = cache.get(release);
	if (!data) {
		data = gunzipSync(readFileSync(btfFixture(release)));
		cache.set(release, data);
	}

	return data;
}

export function loadFixture(release: '47' | '56'): Btf {
	return parseBtf(rawFixture(release), {file: btfFixture(release)});
}
