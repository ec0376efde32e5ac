import {execFile, execFileSync} from 'node:child_process';
import {cpSync, mkdirSync, mkdtempSync, readFileSync} from 'node:fs';
import path from 'node:path';
import {promisify} from 'node:util';
import type {ExecutionContext} from 'ava';
import {BtfKind} from '../../source/btf/btf-kind.js';
import {loadBtf} from '../../source/btf/load-btf.js';
import {debian13Kernels, debian13Root, needs} from '../helpers/oracles.js';
import {repoRoot} from '../helpers/paths.js';
import {changedFor, definitions, referenceCrc} from '../helpers/symtypes-reference.js';

/*
Exact why on Debian 13's 6.12, whose headers need gcc-14: kmodx runs inside a Debian 13 root
(scripts/debian13-root.sh), as a user of Debian 13 would run it, on a sample of the exports whose
CRC changed between 6.12.107 and 6.12.117 drawn with a fixed seed from vmlinux's functions,
vmlinux's data and the modules' exports. The reference is made without kmodx: the exporting file
is built in place in the unpacked source tree by kbuild (`make M=<its directory>
KBUILD_SYMTYPES=1 <stem>.symtypes`), its CRC recomputed from genksyms's own output must equal
Module.symvers, and a plain diff of the two outputs (changedFor) gives the changed definitions.
KMODX_DEBIAN13_SAMPLE sets how many per kind (default 2; docs/usage.md reports a run of 5 per kind).
*/

const run = promisify(execFile);
const perKind = Number(process.env['KMODX_DEBIAN13_SAMPLE'] ?? 2);
const seed = 20_261_207;
const kernels = debian13Kernels;

type Export = {crc: number; module: string};

function symvers(release: string): Map<string, Export> {
	const text = readFileSync(path.join(debian13Root, `usr/src/linux-headers-${release}/Module.symvers`), 'latin1');
	return new Map(text.split('\n').map(line => line.split('\t')).filter(fields => fields.length >= 4)
		.map(fields => [fields[1]!, {crc: Number.parseInt(fields[0]!, 16) >>> 0, module: fields[2]!}]));
}

/**
The functions of vmlinux: its BTF's FUNC entries (the headers package's vmlinux carries the BTF;
Debian's System.map is a placeholder). Everything else vmlinux exports is data.
*/
async function functions(release: string): Promise<Set<string>> {
	const btf = await loadBtf(path.join(debian13Root, `usr/src/linux-headers-${release}/vmlinux`));
	const names = new Set<string>();
	for (let id = btf.startId; id <= btf.lastId; id++) {
		if (btf.kind(id) === BtfKind.Func) {
			names.add(btf.name(id));
		}
	}

	return names;
}

/** mulberry32: the same sample on every machine. */
function random(state: number): () => number {
	return () => {
		state = (state + 0x6D_2B_79_F5) >>> 0;
		let value = state;
		value = Math.imul(value ^ (value >>> 15), value | 1);
		value ^= value + Math.imul(value ^ (value >>> 7), value | 61);
		return ((value ^ (value >>> 14)) >>> 0) / 4_294_967_296;
	};
}

function draw(names: string[], count: number, next: () => number): string[] {
	const pool = [...names].sort();
	const picked: string[] = [];
	while (picked.length < count && pool.length > 0) {
		picked.push(pool.splice(Math.floor(next() * pool.length), 1)[0]!);
	}

	return picked;
}

/** The changed exports of the sample: `perKind` each of vmlinux functions, vmlinux data, module exports. */
async function debian13Sample(count = perKind): Promise<Array<{symbol: string; kind: string}>> {
	const [before, after] = kernels.map(kernel => symvers(kernel.release));
	const changed = [...after!].filter(([symbol, entry]) => before!.has(symbol) && before!.get(symbol)!.crc !== entry.crc && /^\w+$/.test(symbol));
	const text = await functions(kernels[1]!.release);
	const kinds = {
		'vmlinux function': changed.filter(([symbol, entry]) => entry.module === 'vmlinux' && text.has(symbol)),
		'vmlinux data': changed.filter(([symbol, entry]) => entry.module === 'vmlinux' && !text.has(symbol)),
		'module export': changed.filter(([, entry]) => entry.module !== 'vmlinux'),
	};
	const next = random(seed);
	return Object.entries(kinds).flatMap(([kind, entries]) => draw(entries.map(([symbol]) => symbol), count, next).map(symbol => ({symbol, kind})));
}

/** A command inside the root, with nothing of this machine's environment. */
async function inRoot(command: string[], environment: string[] = []): Promise<{stdout: string; code: number}> {
	try {
		const {stdout} = await run('chroot', [debian13Root, 'env', '-i', 'PATH=/usr/local/bin:/usr/bin:/bin', 'LC_ALL=C', 'HOME=/root', ...environment, ...command], {maxBuffer: 256 * 1024 * 1024});
		return {stdout, code: 0};
	} catch (error) {
		const failed = error as {stdout?: string; stderr?: string; code?: number};
		return {stdout: `${failed.stdout ?? ''}${failed.stderr ?? ''}`, code: typeof failed.code === 'number' ? failed.code : -1};
	}
}

/** A directory of the root for everything a test makes (this kmodx's build in bin/ too), removed at the end; `inside` is its path in the root. */
function workspace(t: ExecutionContext): {work: string; inside: string} {
	const work = mkdtempSync(path.join(debian13Root, 'var/tmp/kmodx-test-'));
	t.teardown(() => {
		// Two unpacked trees, 180,000 files: rm is several times faster than rmSync.
		execFileSync('rm', ['-rf', '--one-file-system', work]);
	});
	cpSync(path.join(repoRoot, 'build/bin'), path.join(work, 'bin'), {recursive: true});
	return {work, inside: `/${path.relative(debian13Root, work)}`};
}

needs('root', 'debian13-root')('Debian 13: module_layout from the 6.12 headers alone (no source) is verified', async t => {
	const {inside} = workspace(t);
	const {stdout, code} = await inRoot(['node', `${inside}/bin/kmodx.cjs`, 'why', 'module_layout', ...kernels.flatMap(kernel => ['-k', `${kernel.label}=${kernel.headers}`]), '--json'], [`KMODX_CACHE_DIR=${inside}/cache`]);
	t.is(code, 0, stdout);
	const answer = JSON.parse(stdout) as {method: string; verified: boolean; origins: {from: {kind: string}}; recomputed: {from: string; to: string}};
	t.is(answer.method, 'symtypes');
	t.is(answer.origins.from.kind, 'headers');
	// The CRCs recomputed from the generated symtypes are Module.symvers's own.
	t.deepEqual([answer.recomputed.from, answer.recomputed.to], kernels.map(kernel => `0x${symvers(kernel.release).get('module_layout')!.crc.toString(16).padStart(8, '0')}`));
	t.true(answer.verified);
});

// eslint-disable-next-line max-lines-per-function -- the reference and kmodx side by side, symbol by symbol, as the 6.1 tests do.
needs('root', 'debian13-root').serial('Debian 13 (6.12.107 → 6.12.117): why from both kernels\' sources is verified and names what a diff of genksyms\'s own output shows', async t => {
	t.timeout(60 * 60 * 1000);
	const [before, after] = kernels.map(kernel => symvers(kernel.release));
	const sample = await debian13Sample();
	t.true(sample.length >= 3 * Math.min(perKind, 1));
	const {work, inside} = workspace(t);

	// Every symbol is checked and logged; the failures are asserted together at the end.
	const failures: string[] = [];
	// First kmodx, as a user runs it, one symbol after the other.
	type Answer = {method?: string; verified?: boolean; origins?: {from?: {file?: string}; to?: {file?: string}}; changes?: Array<{type: string}>};
	const answers = new Map<string, {answer: Answer; seconds: number}>();
	for (const {symbol, kind} of sample) {
		const started = process.hrtime.bigint();
		const args = ['node', `${inside}/bin/kmodx.cjs`, 'why', symbol, ...kernels.flatMap(kernel => ['-k', `${kernel.label}=${kernel.headers}`]), ...kernels.flatMap(kernel => ['--types', `${kernel.label}=${kernel.tarball}`]), '--json'];
		// eslint-disable-next-line no-await-in-loop
		const {stdout, code} = await inRoot(args, [`KMODX_CACHE_DIR=${inside}/cache`]);
		const seconds = Number(process.hrtime.bigint() - started) / 1e9;
		try {
			answers.set(symbol, {answer: JSON.parse(stdout) as Answer, seconds});
		} catch {
			failures.push(`${symbol} (${kind}): kmodx exited ${code}: ${stdout.trim().split('\n').slice(-2).join(' | ')}`);
		}
	}

	// Then the reference: the subsystems (first two directory levels) of the exporting files, unpacked
	// from each tarball in one pass, and each file built in place there by kbuild inside the root.
	const subsystems = [...new Set([...answers.values()].flatMap(({answer}) => [answer.origins?.from?.file, answer.origins?.to?.file])
		.filter((file): file is string => file !== undefined).map(file => path.posix.dirname(file).split('/').slice(0, 2).join('/')))];
	await Promise.all(kernels.map(async kernel => {
		mkdirSync(path.join(work, `tree-${kernel.label}`));
		// A subsystem missing from one kernel's tarball is no error here: its reference then fails below.
		await run('tar', ['-xJf', path.join(debian13Root, kernel.tarball), '-C', path.join(work, `tree-${kernel.label}`), '--strip-components=1', ...subsystems.map(directory => `linux-source-6.12/${directory}`)]).catch(() => undefined);
	}));

	const built = new Map<string, Map<string, string> | undefined>();
	const reference = async (kernel: typeof kernels[number], file: string) => {
		const key = `${kernel.label}:${file}`;
		if (!built.has(key)) {
			const stem = path.posix.basename(file, '.c');
			const {code} = await inRoot(['make', '-s', '-C', kernel.headers, `M=${inside}/tree-${kernel.label}/${path.posix.dirname(file)}`, 'KBUILD_SYMTYPES=1', `${stem}.symtypes`]);
			let symtypes: string | undefined;
			try {
				symtypes = code === 0 ? readFileSync(path.join(work, `tree-${kernel.label}`, path.dirname(file), `${stem}.symtypes`), 'latin1') : undefined;
			} catch {}

			built.set(key, symtypes === undefined ? undefined : definitions(symtypes));
		}

		return built.get(key);
	};

	let exact = 0;
	for (const {symbol, kind} of sample) {
		const found = answers.get(symbol);
		if (!found) {
			continue;
		}

		const {answer, seconds} = found;
		// The exporting file: the one kmodx names, else a .c of the unpacked subsystems with an EXPORT_SYMBOL* line for
		// it; it counts only when genksyms's own output of it gives both kernels' CRCs.
		let sides: Array<Map<string, string>> | undefined;
		const tryFiles = async (files: Array<string | undefined>) => {
			for (const file of files) {
				if (file === undefined || sides) {
					continue;
				}

				// eslint-disable-next-line no-await-in-loop
				const both = await Promise.all(kernels.map(async kernel => reference(kernel, file)));
				if (both.every((side, index) => side?.has(symbol) && referenceCrc(side, symbol) === [before, after][index]!.get(symbol)!.crc)) {
					sides = both as Array<Map<string, string>>;
				}
			}
		};

		// eslint-disable-next-line no-await-in-loop
		await tryFiles([answer.origins?.to?.file]);
		if (!sides) {
			// eslint-disable-next-line no-await-in-loop
			const grep = await run('grep', ['-rlE', '--include=*.c', `EXPORT_SYMBOL[A-Z_]*\\(\\s*${symbol}\\s*[,)]`, '.'], {cwd: path.join(work, `tree-${kernels[1]!.label}`)}).catch(() => ({stdout: ''}));
			// eslint-disable-next-line no-await-in-loop
			await tryFiles(grep.stdout.split('\n').filter(file => file && !/^\.\/arch\/(?!x86\/)/.test(file)).map(file => file.slice(2)));
		}

		const what = `${symbol} (${kind}, ${answer.origins?.to?.file ?? 'no exporting file'}, ${answer.method ?? 'no method'})`;
		if (!sides) {
			failures.push(`${what}: no reference: no exporting file built in place gives both kernels' CRCs in genksyms's output`);
			continue;
		}

		const expected = changedFor(sides[0]!, sides[1]!, symbol);
		const named = [...new Set((answer.changes ?? []).map(change => change.type))].sort();
		const same = JSON.stringify(named) === JSON.stringify(expected);
		if (answer.method === 'symtypes' && answer.verified && same) {
			exact++;
			t.log(`${what}: verified, ${named.length} changed definitions as the reference, ${seconds.toFixed(1)} s`);
		} else {
			failures.push(`${what}: ${answer.verified ? 'verified' : 'NOT verified'}; kmodx names ${named.join(', ')}; the diff of genksyms's output ${expected.join(', ')}`);
		}
	}

	t.log(`${exact} of ${sample.length} exact (verified, and the changed definitions of a plain diff)`);
	t.deepEqual(failures, []);
});
