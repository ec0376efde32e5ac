import {spawnSync} from 'node:child_process';
import {readFileSync} from 'node:fs';
import {gunzipSync} from 'node:zlib';
import type {CheckReport} from '../source/engine/check-report.js';

/*
scripts/dkms-test.sh: the verdicts of `kmodx check DIR --json` on out-of-tree modules (DKMS
packages built here) against an independent reference made with other projects' tools: each
module's `modprobe --dump-modversions` (kmod), joined with the kernel's Module.symvers and with
the Module.symvers kbuild wrote for the packages (what their modules export to each other); which
module exports what, from `nm` (binutils: its `__ksymtab_<name>` symbols). As the kernel does, a
module of the run exports only where it loads itself: the reference iterates from "nothing
loads" until no verdict changes.

Usage: node build/bench/dkms-compare.js REPORT.json LABEL=Module.symvers… [--image LABEL=Module.symvers…] [--own Module.symvers…]
An --image kernel lists only vmlinux's exports: its verdict may be undecided, but never "loads"
where the reference (its build's Module.symvers) fails, nor "fails" where it loads, and what is
undecided is only what vmlinux does not export. Prints each disagreement and a count; exit 1
when there is one.
*/

/** Module.symvers as name → CRC; `owners` gets name → exporting module. */
function readSymvers(file: string, owners?: Map<string, string>): Map<string, string> {
	const raw = readFileSync(file);
	const text = (raw[0] === 0x1F && raw[1] === 0x8B ? gunzipSync(raw) : raw).toString('latin1');
	const table = new Map<string, string>();
	for (const line of text.split('\n')) {
		const [crc, name, owner] = line.split('\t');
		if (crc && name) {
			table.set(name, crc);
			owners?.set(name, owner ?? '');
		}
	}

	return table;
}

function run(command: string, args: string[]): string {
	const result = spawnSync(command, args, {encoding: 'utf8', maxBuffer: 64 * 1024 * 1024});
	if (result.status !== 0) {
		throw new Error(`${command} ${args.join(' ')}: ${result.stderr}`);
	}

	return result.stdout;
}

const args = process.argv.slice(2);
const groups: Record<'kernels' | 'images' | 'own', string[]> = {kernels: [], images: [], own: []};
let group: keyof typeof groups = 'kernels';
const [reportFile, ...rest] = args;
for (const arg of rest) {
	if (arg === '--own' || arg === '--image') {
		group = arg === '--own' ? 'own' : 'images';
	} else {
		groups[group].push(arg);
	}
}

const kernelSpecs = [...groups.kernels, ...groups.images];
const own = new Map<string, string>();
for (const file of groups.own) {
	for (const [name, crc] of readSymvers(file)) {
		own.set(name, crc);
	}
}

const report = JSON.parse(readFileSync(reportFile!, 'utf8')) as CheckReport;
const modules = report.modules.map(module => ({
	path: module.path,
	versions: run('/usr/sbin/modprobe', ['--dump-modversions', module.path]).trim().split('\n').filter(Boolean).map(line => line.split('\t') as [crc: string, name: string]),
	exports: new Set(run('nm', ['--defined-only', module.path]).split('\n').map(line => /\s__ksymtab_(\w+)$/.exec(line)?.[1]).filter((name): name is string => name !== undefined)),
}));

let compared = 0;
let disagreements = 0;
const cells = {loads: 0, fails: 0, undecided: 0};
for (const spec of kernelSpecs) {
	const label = spec.slice(0, spec.indexOf('='));
	const image = groups.images.includes(spec);
	const owners = new Map<string, string>();
	const kernel = readSymvers(spec.slice(spec.indexOf('=') + 1), owners);
	const loads = new Set<string>();
	const problems = (module: typeof modules[number]): string[] => module.versions.flatMap(([crc, name]) => {
		const peer = modules.some(other => other !== module && loads.has(other.path) && other.exports.has(name));
		const found = kernel.get(name) ?? (peer ? own.get(name) : undefined);
		return found === undefined ? [`missing ${name}`] : (found === crc ? [] : [`crc ${name}`]);
	});
	for (let changed = true; changed;) {
		changed = false;
		for (const module of modules) {
			if (!loads.has(module.path) && problems(module).length === 0) {
				loads.add(module.path);
				changed = true;
			}
		}
	}

	for (const module of modules) {
		const expected = problems(module).sort();
		const result = report.modules.find(entry => entry.path === module.path)!.results.find(entry => entry.kernel === label);
		if (!result) {
			throw new Error(`${reportFile!}: no verdict of ${module.path} on ${label}`);
		}

		compared++;
		cells[result.verdict]++;
		const got = result.problems.filter(problem => problem.kind === 'crc' || problem.kind === 'missing').map(problem => `${problem.kind} ${problem.symbol ?? ''}`).sort();
		const other = result.problems.filter(problem => problem.kind !== 'crc' && problem.kind !== 'missing').map(problem => problem.kind);
		const verdict = expected.length === 0 ? 'loads' : 'fails';
		if (image) {
			// Undecided only where vmlinux does not export the name; what is decided agrees with the reference.
			const undecided = result.warnings.filter(warning => warning.kind === 'unresolved').map(warning => warning.symbol ?? '');
			const wrong = undecided.filter(name => owners.get(name) === 'vmlinux');
			const decided = result.verdict === 'undecided' || result.verdict === verdict;
			if (!decided || wrong.length > 0 || got.some(problem => !expected.includes(problem)) || other.length > 0) {
				disagreements++;
				console.log(`${module.path} on image ${label}: kmodx ${result.verdict} [${got.join(', ')}] undecided [${undecided.join(', ')}]; reference ${verdict} [${expected.join(', ')}]`);
			}

			continue;
		}

		if (JSON.stringify(got) !== JSON.stringify(expected) || other.length > 0 || result.verdict !== verdict) {
			disagreements++;
			console.log(`${module.path} on ${label}: kmodx ${result.verdict} [${got.join(', ')}]${other.length > 0 ? ` + ${other.join(', ')}` : ''}; reference ${verdict} [${expected.join(', ')}]`);
		}
	}
}

console.log(`${reportFile!}: ${compared} verdicts (${cells.loads} loads, ${cells.fails} fails, ${cells.undecided} undecided) compared with modprobe --dump-modversions joined with Module.symvers: ${disagreements} disagree`);
process.exitCode = disagreements === 0 ? 0 : 1;
