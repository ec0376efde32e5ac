import {appendFileSync, existsSync} from 'node:fs';
import path from 'node:path';
import test, {type ExecutionContext} from 'ava';
import {findExecutable} from '../../source/common/find-executable.js';
import {corpusRoot} from './paths.js';

/*
What a test compares against or drives, when it is not in the repository: a program (kmod's
modprobe, tmux, kbuild's make and compiler), Debian packages unpacked in /usr/src, the shared
corpus of real images. A test declares what it needs with `needs(…)`; when something is missing,
AVA reports the test as skipped with the reason in its title, never as passed. With
KMODX_REQUIRE_ORACLES=1 (CI) a missing oracle is a failure that names it. With
KMODX_ORACLE_RECORD=FILE each skip (or failure) is also appended to FILE as a JSON line, for
the summary `npm test` prints at the end (scripts/run-tests.js).
*/

export type ProgramOracle = 'modprobe' | 'modinfo' | 'nm' | 'readelf' | 'c++filt' | 'rustfilt' | 'setpriv' | 'tmux' | 'pgrep' | 'xz' | 'zstd' | 'make' | 'groff' | 'zsh' | 'fish';
export type Oracle = ProgramOracle | 'kbuild' | 'headers' | 'corpus' | 'image-tree' | 'image-trees' | 'root' | 'debian13-root';

/**
Oracles CI does not install (building them takes longer than the tests that use them): with
KMODX_REQUIRE_ORACLES=1 a test missing one is still skipped, visibly, with the reason.
*/
const optionalOracles = new Set<Oracle>(['debian13-root']);

/** The unpacked linux-image-6.1.0-47-amd64-unsigned (scripts/scale-test.sh --download, .ci/run), for the tests on a whole installed kernel. */
export const imageTreeRoot = path.join(process.env['KMODX_SCALE_DIR'] ?? '/var/tmp/kmodx-scale', 'tree');
export const imageTree = path.join(imageTreeRoot, 'lib/modules/6.1.0-47-amd64');
/** The unpacked linux-image-6.1.0-56-amd64-unsigned (6.1.192-2) beside it: the next kernel of the same ABI line. */
export const imageTree56Root = path.join(process.env['KMODX_SCALE_DIR'] ?? '/var/tmp/kmodx-scale', 'tree-56');

/** The two Debian headers packages the kbuild tests drive (apt-get install linux-headers-6.1.0-47-amd64 linux-headers-6.1.0-56-amd64). */
export const headers47 = '/usr/src/linux-headers-6.1.0-47-amd64';
export const headers56 = '/usr/src/linux-headers-6.1.0-56-amd64';

/**
A Debian 13 root with gcc-14, the 6.12.107 and 6.12.117 headers packages and both kernels'
linux-source-6.12 tarballs (scripts/debian13-root.sh makes it): exact why on 6.12, whose headers
need gcc-14, checked against kbuild inside it.
*/
export const debian13Root = process.env['KMODX_DEBIAN13_ROOT'] ?? '/var/tmp/deb13-root';
export const debian13Releases = ['6.12.107+deb13-amd64', '6.12.117+deb13-amd64'] as const;
/** Each release's headers directory and source tarball, as paths inside the root. */
export const debian13Kernels = debian13Releases.map(release => ({
	release,
	label: /^\d+\.\d+\.(\d+)/.exec(release)![1]!,
	headers: `/usr/src/linux-headers-${release}`,
	tarball: `/var/tmp/kmodx-source/linux-source-${release.replace(/\+.*/, '')}-1.tar.xz`,
}));

/** The corpus files tests read (scripts/make-corpus.sh builds them all). */
export const corpusFiles = [
	'kernels/debian-6.1.0-47-amd64/vmlinuz',
	'kernels/debian-6.1.0-47-amd64/Module.symvers',
	'kernels/debian-6.1.0-56-amd64/vmlinuz',
	'kernels/debian-6.1.0-56-amd64/Module.symvers',
	'modules/debian-6.1.0-47-amd64/usb-storage.ko',
	'modules/debian-6.1.0-56-amd64/usb-storage.ko',
];

/** Programs are looked up on PATH only, as kmodx looks up make and xz: a PATH without one hides it. */
function program(name: string, debianPackage: string, where = ''): () => string | undefined {
	return () => (findExecutable(name) ? undefined : `${name} is not on PATH (apt-get install ${debianPackage}${where})`);
}

function headersPackage(directory: string): () => string | undefined {
	const name = path.basename(directory);
	return () => (existsSync(path.join(directory, 'Makefile')) && existsSync(path.join(directory, 'scripts/genksyms/genksyms'))
		? undefined
		: `${directory} is not installed (apt-get install ${name})`);
}

/** Each oracle: undefined when it is there, else why not and how to get it. */
const checks: Record<Oracle, () => string | undefined> = {
	modprobe: program('modprobe', 'kmod', '; it is in /usr/sbin'),
	modinfo: program('modinfo', 'kmod', '; it is in /usr/sbin'),
	nm: program('nm', 'binutils'),
	readelf: program('readelf', 'binutils'),
	'c++filt': program('c++filt', 'binutils'),
	rustfilt: program('rustfilt', 'rustfilt'),
	setpriv: program('setpriv', 'util-linux'),
	// Tests that chown or run kmodx as another user.
	root: () => (process.getuid?.() === 0 ? undefined : 'needs root (run the tests as root, as CI does)'),
	tmux: program('tmux', 'tmux'),
	pgrep: program('pgrep', 'procps'),
	xz: program('xz', 'xz-utils'),
	zstd: program('zstd', 'zstd'),
	make: program('make', 'make'),
	// The manual page is rendered by groff with warnings on; completions are run by their shells.
	groff: program('groff', 'groff-base'),
	zsh: program('zsh', 'zsh'),
	fish: program('fish', 'fish'),
	// What kmodx runs to generate symtypes from a headers package: make and the compiler its config names.
	kbuild: () => program('make', 'make')() ?? program('gcc-12', 'gcc-12')(),
	headers: () => headersPackage(headers47)() ?? headersPackage(headers56)(),
	corpus() {
		const absent = corpusFiles.find(file => !existsSync(path.join(corpusRoot, file)));
		return absent === undefined ? undefined : `${path.join(corpusRoot, absent)} is missing (npm run corpus builds the corpus; KMODX_CORPUS points to it)`;
	},
	'image-tree': () => (existsSync(path.join(imageTree, 'modules.order'))
		? undefined
		: `${imageTree} is missing (scripts/scale-test.sh --download unpacks linux-image-6.1.0-47-amd64-unsigned there)`),
	'image-trees': () => checks['image-tree']() ?? (existsSync(path.join(imageTree56Root, 'lib/modules/6.1.0-56-amd64/modules.order'))
		? undefined
		: `${imageTree56Root} is missing (.ci/run unpacks linux-image-6.1.0-56-amd64-unsigned 6.1.192-2 there)`),
	'debian13-root'() {
		const absent = [
			'usr/bin/x86_64-linux-gnu-gcc-14', 'usr/bin/make', 'usr/bin/node',
			...debian13Releases.map(release => `usr/src/linux-headers-${release}/Module.symvers`),
			...debian13Releases.map(release => `var/tmp/kmodx-source/linux-source-${release.replace(/\+.*/, '')}-1.tar.xz`),
		].find(file => !existsSync(path.join(debian13Root, file)));
		return absent === undefined ? undefined : `${path.join(debian13Root, absent)} is missing (scripts/debian13-root.sh makes the Debian 13 root; not installed by CI: it takes about 3 minutes)`;
	},
};

const known = new Map<Oracle, string | undefined>();

/** Why `oracle` is missing, or undefined when it is there (checked once per test file). */
export function missing(oracle: Oracle): string | undefined {
	if (!known.has(oracle)) {
		known.set(oracle, checks[oracle]());
	}

	return known.get(oracle);
}

/** The path of an oracle program; only for tests that declared it with `needs`. */
export function oracleProgram(name: ProgramOracle): string {
	const found = findExecutable(name);
	if (!found) {
		throw new Error(`${name} is not on PATH: declare it with needs('${name}')`);
	}

	return found;
}

export const requireOracles = process.env['KMODX_REQUIRE_ORACLES'] === '1';

type Implementation = (t: ExecutionContext) => unknown;
type Register = (title: string, implementation: Implementation) => void;
export type NeedsTest = Register & {serial: Register};

function record(title: string, reasons: Array<{oracle: Oracle; reason: string}>, outcome: 'skipped' | 'failed'): void {
	const file = process.env['KMODX_ORACLE_RECORD'];
	if (file) {
		appendFileSync(file, JSON.stringify({file: path.relative(process.cwd(), new URL(test.meta.file).pathname), title, outcome, missing: reasons}) + '\n');
	}
}

function register(serial: boolean, oracles: Oracle[], title: string, implementation: Implementation): void {
	const reasons = oracles.flatMap(oracle => {
		const reason = missing(oracle);
		return reason === undefined ? [] : [{oracle, reason}];
	});
	if (reasons.length === 0) {
		(serial ? test.serial : test)(title, implementation);
		return;
	}

	const why = reasons.map(({reason}) => reason).join('; ');
	if (requireOracles && reasons.some(({oracle}) => !optionalOracles.has(oracle))) {
		const failing = `${title} [oracle missing: ${reasons.map(({oracle}) => oracle).join(', ')}]`;
		record(failing, reasons, 'failed');
		test(failing, t => {
			t.fail(`KMODX_REQUIRE_ORACLES=1 and ${why}`);
		});
		return;
	}

	const skipped = `${title} [skipped: ${why}]`;
	record(skipped, reasons, 'skipped');
	test.skip(skipped, implementation);
}

/**
A test that needs `oracles`: `needs('modprobe')('title', t => …)`, or `needs('tmux').serial(…)`.
Runs as a plain AVA test when all are there.
*/
export function needs(...oracles: Oracle[]): NeedsTest {
	const run: NeedsTest = (title, implementation) => {
		register(false, oracles, title, implementation);
	};

	run.serial = (title, implementation) => {
		register(true, oracles, title, implementation);
	};

	return run;
}
