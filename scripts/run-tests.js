// `npm test`'s last step: AVA, then how many tests were skipped (or, with KMODX_REQUIRE_ORACLES=1,
// failed) because what they compare against is missing, and why. The tests record that
// themselves (test/helpers/oracles.ts appends to KMODX_ORACLE_RECORD). The exit status is AVA's.
// Usage: node scripts/run-tests.js [AVA ARGUMENTS…]
import {spawn} from 'node:child_process';
import {existsSync, mkdirSync, readFileSync, rmSync} from 'node:fs';
import {constants} from 'node:os';
import path from 'node:path';
import {fileURLToPath} from 'node:url';

const record = path.resolve('build', '.oracle-record.jsonl');
mkdirSync(path.dirname(record), {recursive: true});
rmSync(record, {force: true});

const ava = fileURLToPath(new URL('../node_modules/ava/entrypoints/cli.mjs', import.meta.url));
const child = spawn(process.execPath, [ava, ...process.argv.slice(2)], {stdio: 'inherit', env: {...process.env, KMODX_ORACLE_RECORD: record}});
// Ctrl-c reaches AVA too (same process group): wait for it to finish its report.
for (const signal of ['SIGINT', 'SIGTERM']) {
	process.on(signal, () => {
		child.kill(signal);
	});
}

child.on('exit', (code, signal) => {
	summarize();
	rmSync(record, {force: true});
	process.exitCode = code ?? 128 + (constants.signals[signal] ?? 0);
});

function summarize() {
	const entries = existsSync(record)
		? readFileSync(record, 'utf8').split('\n').filter(Boolean).map(line => JSON.parse(line))
		: [];
	const required = process.env['KMODX_REQUIRE_ORACLES'] === '1';
	if (entries.length === 0) {
		console.log(`\n  Oracles: none missing, no test skipped for want of one${required ? ' (KMODX_REQUIRE_ORACLES=1)' : ''}.`);
		return;
	}

	// By missing oracle: a test missing two counts under each.
	const byReason = new Map();
	for (const entry of entries) {
		for (const {reason} of entry.missing) {
			const files = byReason.get(reason) ?? new Map();
			files.set(entry.file, (files.get(entry.file) ?? 0) + 1);
			byReason.set(reason, files);
		}
	}

	const skipped = entries.filter(entry => entry.outcome === 'skipped').length;
	const failed = entries.length - skipped;
	const tests = count => `${count} test${count === 1 ? '' : 's'}`;
	console.log(failed > 0
		? `\n  Oracles: ${tests(failed)} FAILED because what they compare against is missing (KMODX_REQUIRE_ORACLES=1):`
		: `\n  Oracles: ${tests(skipped)} SKIPPED because what they compare against is missing (KMODX_REQUIRE_ORACLES=1 makes that a failure):`);
	for (const [reason, files] of [...byReason].sort((a, b) => sum(b[1]) - sum(a[1]))) {
		console.log(`    ${tests(sum(files))}: ${reason}`);
		console.log(`      in ${[...files].map(([file, number]) => `${file.replace(/^build\//, '')} (${number})`).join(', ')}`);
	}
}

function sum(files) {
	let total = 0;
	for (const number of files.values()) total += number;
	return total;
}
