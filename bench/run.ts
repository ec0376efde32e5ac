import os from 'node:os';
import {spawnSync} from 'node:child_process';
import {fileURLToPath} from 'node:url';
import {reportCheck} from './check.js';
import {reportFirstAnswer} from './first-answer.js';
import {reportFirstFrame} from './first-frame.js';
import {reportGroup} from './group.js';
import {reportScale} from './scale.js';
import {reportSource} from './source.js';
import {reportWhy} from './why.js';

/** `npm run bench [-- NAME…] [--runs N]`: prints Markdown to paste into BENCHMARKS.md. */
const args = process.argv.slice(2);
const runsIndex = args.indexOf('--runs');
const runs = runsIndex === -1 ? 11 : Number(args[runsIndex + 1]);
const selected = args.filter((arg, index) => !arg.startsWith('--') && (runsIndex === -1 || index !== runsIndex + 1));
const benches: Record<string, () => Promise<string> | string> = {
	check: () => reportCheck(runs),
	scale: () => reportScale(runs),
	why: () => reportWhy(runs),
	source: () => reportSource(runs),
	// Issue 24: a new symbol's first answer from two source tarballs, indexes cached.
	'first-answer': () => reportFirstAnswer(Math.min(runs, 5)),
	group: () => reportGroup(runs),
	// The explorer's first frames, every input form (tmux drives the real binary).
	frames: async () => reportFirstFrame(Math.min(runs, 5)),
	// The explorer's latency bench drives Ink itself; it runs in its own process.
	ui() {
		const script = fileURLToPath(new URL('ui-latency.js', import.meta.url));
		const result = spawnSync(process.execPath, [script], {encoding: 'utf8'});
		// One module of 100,000 imports (issue 22): a key within 100 ms.
		const many = spawnSync(process.execPath, [fileURLToPath(new URL('ui-many-imports.js', import.meta.url))], {encoding: 'utf8'});
		const text = (output: string) => output.replaceAll('\u001B[?25h', '').trim();
		return `### explorer latency (kernel-vs-kernel; one module of 100,000 imports)\n\n\`\`\`\n${text(result.stdout)}\n\n${text(many.stdout)}\n\`\`\`\n`;
	},
};

const cpu = os.cpus()[0]?.model ?? 'unknown CPU';
process.stdout.write(`## ${new Date().toISOString().slice(0, 10)} — ${os.cpus().length} × ${cpu}, ${Math.round(os.totalmem() / 2 ** 30)} GiB, Node ${process.version}\n\n`);
for (const [name, bench] of Object.entries(benches)) {
	if (selected.length === 0 || selected.includes(name)) {
		// eslint-disable-next-line no-await-in-loop -- one bench at a time, or they measure each other.
		process.stdout.write(await bench() + '\n');
	}
}
