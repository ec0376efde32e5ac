#!/usr/bin/env node
import {runCheck} from './cli/check-command.js';
import {InputError} from './common/input-error.js';
import {exitOnCrash, exitQuietlyOnClosedPipe, statusForError} from './cli/exit.js';
import {explainStep} from './cli/explain-step.js';
import {fastParse, helpText, parseWithMeow} from './cli/options.js';
import {onTerminal, route} from './cli/route.js';
import {helpRequested} from './cli/command-help.js';

exitQuietlyOnClosedPipe();
exitOnCrash();

async function main(): Promise<number> {
	// `--help` anywhere: the command's help (or the full one), status 0, before anything is read.
	const help = helpRequested(process.argv.slice(2), helpText);
	if (help !== undefined) {
		process.stdout.write(help);
		return 0;
	}

	const {input, flags} = fastParse(process.argv.slice(2)) ?? await parseWithMeow();
	const {command, paths} = route(input, flags, onTerminal());
	// Rules judge a kernel diff, or (a stablelist) a module's imports in `check`; elsewhere they would be ignored.
	if (flags.rules && (command === 'plan' || command === 'weak-modules' || command === 'why' || (command === 'explore' && paths.length > 0))) {
		throw new InputError(flags.rules, `--rules is for the kernel diff (kmodx -k A -k B --rules FILE) and for kmodx check MODULE --rules STABLELIST; ${command === 'explore' ? 'the module explorer' : command} does not use it`);
	}

	if ((flags.root !== undefined || flags.strict) && command !== 'hook') {
		throw new InputError(undefined, `${flags.root === undefined ? '--strict' : '--root'} is for kmodx hook RELEASE; ${command} does not use it`);
	}

	if (command === 'hook' && ((flags.kernel ?? []).length > 0 || (flags.types ?? []).length > 0)) {
		throw new InputError(undefined, `hook takes the release just installed (and --from, --root), not ${(flags.kernel ?? []).length > 0 ? '-k' : '--types'}: kmodx hook RELEASE`);
	}

	if ((flags.types ?? []).length > 0 && command === 'weak-modules') {
		throw new InputError(undefined, '--types is for why, check --explain, plan --explain, the kernel diff and the explorer; weak-modules does not use it');
	}

	switch (command) {
		case 'check': {
			return runCheck(paths, flags, explainStep);
		}

		case 'plan': {
			const {runPlan} = await import('./cli/plan-command.js');
			return runPlan(paths, flags);
		}

		case 'weak-modules': {
			const {runWeakModules} = await import('./cli/weak-modules-command.js');
			return runWeakModules(paths, flags);
		}

		case 'why': {
			const {runWhy} = await import('./cli/why-command.js');
			return runWhy(paths, flags);
		}

		case 'explore': {
			// The explorer pulls in Ink and React (~0.7 s): explore-command loads them once its first frame is out.
			const {runExplore} = await import('./cli/explore-command.js');
			return runExplore(paths, flags);
		}

		case 'hook': {
			const {runHook} = await import('./cli/hook-command.js');
			return runHook(paths, flags);
		}

		case 'completion': {
			const {completionScript, shells} = await import('./cli/completion.js');
			const shell = paths[0] as typeof shells[number];
			if (paths.length !== 1 || !shells.includes(shell)) {
				throw new InputError(undefined, `kmodx completion SHELL: one of ${shells.join(', ')}`);
			}

			process.stdout.write(completionScript(shell));
			return 0;
		}

		case 'diff': {
			const {runDiff} = await import('./cli/diff-command.js');
			return runDiff(flags);
		}
	}
}

try {
	process.exitCode = await main();
} catch (error) {
	// Refused input ends the run now: make still working for the other kernel is stopped by the
	// exit handlers (common/exit-cleanup.ts) rather than waited for. Stderr is a file or a pipe,
	// written synchronously.
	process.exit(statusForError(error));
}
