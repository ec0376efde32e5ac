import {spawnSync} from 'node:child_process';
import {existsSync, readdirSync, readFileSync} from 'node:fs';
import path from 'node:path';
import test from 'ava';
import {repoRoot} from '../helpers/paths.js';

/*
Issue 25: a test whose reference is missing must be reported as skipped, with the reason in its
title, never as passed. The one way to say so is test/helpers/oracles.ts (`needs(…)`); this
scan of the test sources fails on every other way a test could pass without checking what its
title says: an assertion that always holds, a skip of its own, a "skipped" log before
returning, its own probe for a program or a path of the machine.
*/

const testRoot = path.join(repoRoot, 'test');
const helper = 'helpers/oracles.ts';

function testSources(directory: string): string[] {
	return readdirSync(directory, {withFileTypes: true}).flatMap(entry => {
		const file = path.join(directory, entry.name);
		if (entry.isDirectory()) return entry.name === 'fixtures' ? [] : testSources(file);
		return /\.tsx?$/.test(entry.name) ? [path.relative(testRoot, file)] : [];
	});
}

// Built from pieces so that this file does not match its own rules.
const pass = ['t', 'pass'].join('.');
const rules: Array<{name: string; pattern: RegExp; allowedIn?: string[]}> = [
	{name: `${pass}(): passes whatever happened`, pattern: new RegExp(String.raw`\b${pass.replace('.', String.raw`\.`)}\(`)},
	{name: 'an assertion that always holds', pattern: /\bt\.(true|truthy|assert)\((true|1)\b|\bt\.(false|falsy)\((false|0)\b/},
	{name: 'a skip of its own: declare the oracle with needs(…)', pattern: /\btest\s*\.\s*(skip|failing|todo)\b|\?\s*test(\.serial)?\s*:\s*test\b|\.skip\(/, allowedIn: [helper]},
	{name: 'a "skipped" log: declare the oracle with needs(…) instead of logging and returning', pattern: /\bt\.log\([^)]*(skip|missing\b|not installed|Missing\b)/i},
	{name: 'a probe for a program: declare it with needs(…), find it with oracleProgram(…)', pattern: /\b(spawnSync|execFileSync)\([^\n]*\[\s*['"](--version|-V)['"]\s*\]|\bfindExecutable\(/, allowedIn: [helper]},
	{name: 'an oracle probed by hand: declare it with needs(…)', pattern: /\bhasCorpus\b/, allowedIn: ['helpers/paths.ts']},
	{name: 'a path of the machine checked or hard-coded: declare it in test/helpers/oracles.ts', pattern: /existsSync\(\s*['"`]\/(usr|sbin|bin|dev|proc|sys)\b|['"`]\/usr\/sbin\/|['"`]\/usr\/src\/linux-/, allowedIn: [helper]},
];

/** Every line of the test sources breaking a rule, as `file:line: rule: text`. */
function violations(): string[] {
	const found: string[] = [];
	for (const file of testSources(testRoot)) {
		// The fuzzer's own files run outside AVA (npm run fuzz) and report what they could not measure.
		if (file === path.join('architecture', 'honest-tests.test.ts') || (file.startsWith('fuzz/') && !file.endsWith('.test.ts'))) continue;
		const lines = readFileSync(path.join(testRoot, file), 'utf8').split('\n');
		for (const [index, line] of lines.entries()) {
			for (const rule of rules) {
				if (rule.pattern.test(line) && !rule.allowedIn?.includes(file)) {
					found.push(`test/${file}:${index + 1}: ${rule.name}: ${line.trim()}`);
				}
			}
		}
	}

	return found;
}

test('no test passes without checking: every missing oracle goes through needs(…)', t => {
	const found = violations();
	t.deepEqual(found, [], `\n${found.join('\n')}`);
});

test('AVA fails a test that made no assertion (failWithoutAssertions stays on)', t => {
	const config = (JSON.parse(readFileSync(path.join(repoRoot, 'package.json'), 'utf8')) as {ava: Record<string, unknown>}).ava;
	t.not(config['failWithoutAssertions'], false);
});

test('the rules catch each way of passing without checking (their own cases)', t => {
	const caught = (line: string) => rules.filter(rule => rule.pattern.test(line)).map(rule => rule.name);
	for (const line of [
		`${pass}('modprobe is not installed');`,
		`${pass}();`,
		't.true(true);',
		'(hasCorpus ? test : test.skip)(`title`, t => {',
		'test.skip(\'later\', t => {});',
		't.log(\'skipped: tmux is not installed\');',
		't.log(corpusMissing);',
		'const hasTmux = spawnSync(\'tmux\', [\'-V\']).status === 0;',
		'if (!existsSync(\'/usr/sbin/modprobe\')) {',
		'const headers = [\'/usr/src/linux-headers-6.1.0-47-amd64\'];',
	]) {
		t.true(caught(line).length > 0, line);
	}

	for (const line of ['t.true(result.loads);', 'needs(\'modprobe\')(\'title\', t => {', 't.log(`cold load ${cold} ms`);', 'const skipped = report.modules.skipped;']) {
		t.deepEqual(caught(line), [], line);
	}
});

/** AVA's TAP report of build/test/engine/build-plan.test.js run with a PATH that has no modprobe. */
function planWithoutModprobe(environment: Record<string, string>): {status: number | null; tap: string} {
	const folders = (process.env['PATH'] ?? '').split(path.delimiter).filter(folder => folder && !existsSync(path.join(folder, 'modprobe')));
	const {KMODX_ORACLE_RECORD: _record, KMODX_REQUIRE_ORACLES: _required, ...inherited} = process.env;
	const result = spawnSync(process.execPath, [path.join(repoRoot, 'node_modules/ava/entrypoints/cli.mjs'), '--tap', 'build/test/engine/build-plan.test.js'], {
		cwd: repoRoot,
		encoding: 'utf8',
		env: {...inherited, PATH: folders.join(path.delimiter), ...environment},
		// AVA's own start and the file's tests, on a machine five times slower than a quiet one.
		timeout: 600_000,
	});
	return {status: result.status, tap: result.stdout};
}

test.serial('without modprobe, its tests are reported skipped with the reason; with KMODX_REQUIRE_ORACLES=1 they fail naming it', t => {
	const titles = /^(ok|not ok) \d+ - plan of .* agrees with modprobe --dump-modversions joined with each Module\.symvers(.*)$/gm;
	const normal = planWithoutModprobe({});
	t.is(normal.status, 0, normal.tap);
	const skipped = [...normal.tap.matchAll(titles)];
	t.is(skipped.length, 4, normal.tap);
	for (const [line, outcome, rest] of skipped) {
		t.is(outcome, 'ok', line);
		t.regex(rest!, /^ \[skipped: modprobe is not on PATH \(apt-get install kmod; it is in \/usr\/sbin\)\] # SKIP$/, line);
	}

	// The tests that need nothing still ran and passed.
	t.regex(normal.tap, /^ok \d+ - my_drv on 47, 50, 56: three builds/m);
	const required = planWithoutModprobe({KMODX_REQUIRE_ORACLES: '1'});
	t.is(required.status, 1, required.tap);
	const failed = [...required.tap.matchAll(titles)];
	t.is(failed.length, 4, required.tap);
	for (const [line, outcome, rest] of failed) {
		t.is(outcome, 'not ok', line);
		t.is(rest, ' [oracle missing: modprobe]', line);
	}

	t.regex(required.tap, /KMODX_REQUIRE_ORACLES=1 and modprobe is not on PATH/);
});
