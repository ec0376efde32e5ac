import {spawn} from 'node:child_process';
import {readdirSync} from 'node:fs';
import path from 'node:path';
import {temporaryDirectory} from '../helpers/derive.js';
import {headers47, headers56, needs} from '../helpers/oracles.js';
import {cliPath, fixture} from '../helpers/paths.js';

/*
Issue 22, finding 5: gcc's temporary files (cc*.s, from kbuild's cc-option probes) stayed in
$TMPDIR when kmodx was stopped during make. Make and the compiler get a TMPDIR inside kmodx's own
temporary tree, which every exit path removes. `why` runs on the real source tarballs; it is
stopped (INT, TERM, HUP) as soon as gcc has written a temporary file (with an empty cache, that is
during the make run that records kbuild's preprocessor command, in kmodx-probe-*).
*/

const integration = needs('kbuild', 'headers').serial;

/** Every path below `directory`, relative to it (entries vanish while we look: those are skipped). */
function walk(directory: string, prefix = ''): string[] {
	let entries;
	try {
		entries = readdirSync(path.join(directory, prefix), {withFileTypes: true});
	} catch {
		return [];
	}

	return entries.flatMap(entry => {
		const relative = path.join(prefix, entry.name);
		return entry.isDirectory() ? [relative, ...walk(directory, relative)] : [relative];
	});
}

for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
	integration(`stopped by ${signal} while make runs: gcc's temporary files were in kmodx's temporary tree, and nothing is left`, async t => {
		const temporary = temporaryDirectory(t);
		const cache = temporaryDirectory(t);
		const child = spawn(process.execPath, [cliPath, 'why', 'misc_register', '-k', `47=${headers47}`, '-k', `56=${headers56}`,
			'--types', `47=${fixture('kernel-source/linux-source-6.1.170-3.tar.xz')}`, '--types', `56=${fixture('kernel-source/linux-source-6.1.192-2.tar.xz')}`], {
			env: {...process.env, TMPDIR: temporary, KMODX_CACHE_DIR: cache, NO_COLOR: '1'}, stdio: 'ignore',
		});
		const exited = new Promise<NodeJS.Signals | null>(resolve => {
			child.on('exit', (_code, received) => resolve(received));
		});
		const compilerFiles = new Set<string>();
		let running = true;
		void exited.then(() => {
			running = false;
		});
		const deadline = Date.now() + 60_000;
		while (running && compilerFiles.size === 0 && Date.now() < deadline) {
			for (const file of walk(temporary)) {
				if (/^cc\w+\.(s|o|res|ld|le)$/.test(path.basename(file))) {
					compilerFiles.add(file);
				}
			}

			// eslint-disable-next-line no-await-in-loop
			await new Promise(resolve => {
				setTimeout(resolve, 2);
			});
		}

		t.true(running, 'kmodx ended before gcc wrote a temporary file');
		child.kill(signal);
		t.is(await exited, signal);
		t.true(compilerFiles.size > 0, 'gcc wrote no temporary file within 60 s');
		for (const file of compilerFiles) {
			t.regex(file, /^kmodx-(kbuild|probe)-\w+\/\.tmp\/cc\w+\.\w+$/, 'gcc wrote outside kmodx\'s temporary tree');
		}

		t.deepEqual(walk(temporary), [], 'left behind');
	});
}
