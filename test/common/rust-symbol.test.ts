import {spawnSync} from 'node:child_process';
import {readFileSync} from 'node:fs';
import test from 'ava';
import {demangleRust, isRustSymbol, readableSymbol, rustSymbolKey} from '../../source/common/rust-symbol.js';
import {fixture, linux7Symvers} from '../helpers/paths.js';
import {readGzipText} from '../helpers/derive.js';
import {needs, oracleProgram} from '../helpers/oracles.js';

/*
The demangler against two independent references: binutils' `c++filt -i` and rustc-demangle (as
Debian's `rustfilt`). test/fixtures/rust-symbols/names.tsv records both for 604 real names
(scripts/rust-symbol-fixture.sh made it); where the tools are installed, they are also run on the
fixture (the record is what they print), on every Rust export of Debian's 7.2 kernels, and on
broken names derived from the real ones.
*/

type Row = {source: string; name: string; cxxfilt: string; rustfilt: string};

const rows: Row[] = readFileSync(fixture('rust-symbols', 'names.tsv'), 'utf8').split('\n').filter(line => line !== '' && !line.startsWith('#')).map(line => {
	const [source, name, cxxfilt, rustfilt] = line.split('\t');
	return {source: source!, name: name!, cxxfilt: cxxfilt!, rustfilt: rustfilt!};
});

/** One name per line through a filter; each output line answers its input line. */
function filter(tool: string, args: string[], names: string[]): string[] {
	const result = spawnSync(tool, args, {input: names.join('\n') + '\n', encoding: 'utf8', maxBuffer: 1 << 30});
	if (result.status !== 0) {
		throw new Error(`${tool} failed: ${result.stderr}`);
	}

	return result.stdout.split('\n').slice(0, names.length);
}

test('the fixture covers v0 and legacy names of the kernel, the Rust toolchain and every construct of names.rs', t => {
	t.true(rows.length >= 600);
	t.true(rows.filter(row => row.source === 'debian-7.2').length >= 200);
	t.true(rows.filter(row => row.name.startsWith('_ZN')).length >= 100);
	// Punycode identifiers, closures, shims, dyn with bindings, higher-ranked fn types, const generics.
	for (const construct of ['ñandú', '東京', 'Größe', '{closure#', '{shim:', 'dyn ', 'for<\'a>', 'extern "C"', '[u8; 2]', 'true', '\'\\\'\'']) {
		t.true(rows.some(row => row.rustfilt.includes(construct)), construct);
	}
});

test('every fixture name demangles as rustc-demangle prints it', t => {
	for (const row of rows) {
		t.is(demangleRust(row.name), row.rustfilt, row.name);
	}
});

test('c++filt agrees, except where binutils 2.40 is wrong or drops an LLVM suffix', t => {
	const differing = rows.filter(row => row.cxxfilt !== row.rustfilt);
	t.is(differing.length, 11);
	for (const row of differing) {
		// `.cold` suffixes (c++filt drops them), `$u…$` escapes of legacy names (left raw), a char
		// const (c++filt writes ''' and '\u{df}' for '\'' and 'ß').
		t.true(/\.(cold|warm)$/.test(row.name) || row.name.includes('$u') || /Kc[\da-f]+_/.test(row.name), row.name);
	}
});

needs('c++filt')('the fixture\'s c++filt column is what c++filt -i prints', t => {
	t.deepEqual(filter(oracleProgram('c++filt'), ['-i'], rows.map(row => row.name)), rows.map(row => row.cxxfilt));
});

needs('rustfilt')('the fixture\'s rustfilt column is what rustfilt prints', t => {
	t.deepEqual(filter(oracleProgram('rustfilt'), [], rows.map(row => row.name)), rows.map(row => row.rustfilt));
});

needs('c++filt')('every Rust export of Debian\'s 7.2.12 and 7.2.13 demangles as c++filt -i prints it', t => {
	for (const file of linux7Symvers) {
		const names = readGzipText(file).split('\n').map(line => line.split('\t')[1] ?? '').filter(name => name.startsWith('_R'));
		t.true(names.length > 700, file);
		t.deepEqual(names.map(name => demangleRust(name)), filter(oracleProgram('c++filt'), ['-i'], names), file);
		// One function per key within a build: the key can pair builds.
		t.is(new Set(names.map(name => rustSymbolKey(name))).size, names.length, file);
	}
});

test('the same function of two builds has the same key (crate hashes and impl disambiguators differ)', t => {
	// Debian 7.2.12 and 7.2.13: another core hash, and its `impl CStr` block renumbered (Ms4_ → Ms3_).
	const old = '_RNvMs4_NtNtCs2lKf6AS60Zg_4core3ffi5c_strNtB5_4CStr6to_str';
	const next = '_RNvMs3_NtNtCsbZfwWpAStWS_4core3ffi5c_strNtB5_4CStr6to_str';
	t.is(rustSymbolKey(old), '<core::ffi::c_str::CStr>::to_str');
	t.is(rustSymbolKey(old), rustSymbolKey(next));
	t.not(rustSymbolKey(old), rustSymbolKey('_RNvMs4_NtNtCs2lKf6AS60Zg_4core3ffi5c_strNtB5_4CStr19from_bytes_with_nul'));
});

test('C and C++ names are not Rust symbols', t => {
	for (const name of ['printk', 'module_layout', '__x86_return_thunk', '_ZN3foo3barE', '_ZN10__cxxabiv111__terminateEPFvvE', '_R', '_Rx', 'R', '']) {
		t.false(isRustSymbol(name) && demangleRust(name) !== undefined, name);
		t.is(rustSymbolKey(name), undefined, name);
		t.is(readableSymbol(name), name);
	}

	t.is(readableSymbol('_RNvNtNtCsdJ13ReMSUMg_6kernel4time5delay6fsleep'), 'kernel::time::delay::fsleep');
});

/** Broken names derived from real ones (every third): each truncation, and each byte replaced by a few that matter to the grammar. */
function brokenNames(names: string[]): string[] {
	const broken = new Set<string>();
	for (const name of names.filter((_, index) => index % 3 === 0)) {
		for (let length = 0; length < name.length; length++) {
			broken.add(name.slice(0, length));
		}

		for (let index = 2; index < name.length; index++) {
			for (const replacement of ['B', '_', '0', 'E', 'u', 's']) {
				broken.add(name.slice(0, index) + replacement + name.slice(index + 1));
			}
		}
	}

	return [...broken];
}

const v0Names = rows.filter(row => row.name.startsWith('_R') && row.source !== 'rust-toolchain').map(row => row.name);

test('broken names never throw: a string or undefined, bounded', t => {
	const broken = brokenNames(rows.map(row => row.name));
	t.true(broken.length > 50_000);
	const wrong = broken.filter(name => {
		const result = demangleRust(name);
		return result !== undefined && (typeof result !== 'string' || result.length > 8192);
	});
	t.deepEqual(wrong, []);
});

needs('rustfilt')('broken v0 names: undefined exactly where rustc-demangle refuses them', t => {
	const broken = brokenNames(v0Names);
	const reference = filter(oracleProgram('rustfilt'), [], broken);
	let refused = 0;
	const disagreements: string[] = [];
	for (const [index, name] of broken.entries()) {
		// rustc-demangle leaves what it refuses as it is; an error it meets only behind a backref
		// is printed inside the name ({invalid syntax}): kmodx refuses those names whole.
		const printed = reference[index]!;
		const expected = printed === name || printed.includes('{invalid syntax}') || printed.includes('{recursion limit reached}') || printed.includes('?') ? undefined : printed;
		refused += expected === undefined ? 1 : 0;
		if (demangleRust(name) !== expected) {
			disagreements.push(name);
		}
	}

	t.deepEqual(disagreements, []);

	// Most broken names are refused; the rest are other valid names (a shorter crate name, another type).
	t.true(refused > broken.length / 4, `${refused} of ${broken.length}`);
});

test('hostile names: deep nesting, exponential backrefs and huge numbers give undefined', t => {
	// 4,000 nested references: past the depth bound, no stack overflow.
	t.is(demangleRust('_RMC0' + 'R'.repeat(4000) + 'p'), undefined);
	// Each backref doubles the tuple: 2^30 copies of `_` unless the output is bounded.
	let doubling = '_RMC0' + 'T'.repeat(30) + 'p';
	for (let index = 30; index >= 1; index--) {
		doubling += `B${(index + 2).toString(36)}_E`;
	}

	t.is(demangleRust(doubling), undefined);
	// Six doublings stay small and are printed (rustc-demangle's own test of this shape).
	t.is(demangleRust('_RMC0TTTTTTpB8_EB7_EB6_EB5_EB4_EB3_E')?.split('_').length, 65);
	// A backref to itself or forward, a disambiguator past u64, a length past the end.
	t.is(demangleRust('_RNvB_4main'), undefined);
	t.is(demangleRust('_RNvB9_4main'), undefined);
	t.is(demangleRust('_RNvCsZZZZZZZZZZZZ_5crate4main'), undefined);
	t.is(demangleRust('_RNvC5crate99999999999main'), undefined);
	t.is(demangleRust('_RNvC5crate4main' + 'x'.repeat(5000)), undefined);
	t.is(demangleRust('_RNvC5crate4main\u001B[2J'), undefined);
});
