import test from 'ava';
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
