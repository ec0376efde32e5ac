import test from 'ava';
import {readGzipText} from '../helpers/derive.js';
import {fixture} from '../helpers/paths.js';
import {runCli} from '../helpers/run-cli.js';

const kernels = ['-k', `47=${fixture('kernels/6.1.0-47-amd64/Module.symvers.gz')}`, '-k', `56=${fixture('kernels/6.1.0-56-amd64/Module.symvers.gz')}`];

test('kmodx -k A -k B piped: every export that changed, 18,254 CRCs among them (corpus fact)', t => {
	const result = runCli([...kernels, '--json']);
	t.is(result.code, 1, result.stderr);
	const report = JSON.parse(result.stdout) as {schema: string; summary: Record<string, number>; changes: Array<{name: string; change: string[]; kernels: Array<{crc: string} | null>}>};
	t.is(report.schema, 'kmodx.diff/1');
	t.is(report.summary['crc'], 18_254);
	t.true(report.summary['added']! > 0);
	const layout = report.changes.find(change => change.name === 'module_layout')!;
	t.deepEqual(layout.change, ['crc']);
	t.deepEqual(layout.kernels.map(k => k?.crc), ['0x160c03af', '0x9060323f']);
	const markdown = runCli([...kernels, '--format', 'markdown']);
	t.regex(markdown.stdout, /\| `module_layout` \| crc \| 0x160c03af \| 0x9060323f \| vmlinux \|/);
	const same = runCli(['-k', `a=${fixture('kernels/6.1.0-47-amd64/Module.symvers.gz')}`, '-k', `b=${fixture('kernels/6.1.0-47-amd64/Module.symvers.gz')}`]);
	t.is(same.code, 0);
	t.regex(same.stdout, /^a → b: 0 added, 0 removed, 0 CRC changed/);
});

test('summary.same counts the exports that did not change (6,345 from 47 to 56), as a join of the two Module.symvers says', t => {
	// Independently: a name is the same when both lines agree on CRC, module, export type and namespace.
	const table = (release: string) => new Map(readGzipText(fixture('kernels', release, 'Module.symvers.gz')).trim().split('\n').map(line => line.split('\t')).map(([crc, name, ...rest]) => [name!, [crc, ...rest].join(' ')]));
	const [old, fresh] = [table('6.1.0-47-amd64'), table('6.1.0-56-amd64')];
	const same = [...old].filter(([name, value]) => fresh.get(name) === value).length;
	t.is(same, 6345);
	const report = JSON.parse(runCli([...kernels, '--json']).stdout) as {summary: Record<string, number>};
	t.is(report.summary['same'], same);
	t.is(report.summary['added']! + report.summary['removed']! + report.summary['crc']! + report.summary['same']!, new Set([...old.keys(), ...fresh.keys()]).size);
	t.regex(runCli(kernels).stdout, /^47 → 56: 84 added, 19 removed, 18254 CRC changed, 0 export type changed, 0 namespace changed, 0 moved, 6345 the same\n/);
	t.regex(runCli([...kernels, '--format', 'markdown']).stdout, /\*\*18357 of 24702 exports changed; 6345 are the same\.\*\*/);
});
