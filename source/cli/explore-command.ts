import {InputError} from '../common/input-error.js';
import type {Kernel} from '../kernel/kernel.js';
import {buildCheckReport} from '../engine/check-report.js';
import {explainSymbol} from '../engine/explain-symbol.js';
import {TypeInformation} from '../type-info/type-information.js';
import {parseTypesFlags} from '../type-info/types-flags.js';
import type {LoadProgress} from '../ui/run-explorer.js';
import {writePreFrame} from '../ui/pre-frame.js';
import {withoutCiGuess} from './without-ci-guess.js';
import {checkExplorerData, diffExplorerData, type CausesTask, type ExplainFunction} from '../ui/state/data.js';
import {wantsColor, type CliFlags} from './flags.js';
import {groupDiffByCause, judgedDiff} from '../engine/kernel-diff.js';
import {loadKernels, loadModules} from './load-inputs.js';

/**
`kmodx MODULE… -k …` (or `kmodx -k A -k B`) on a terminal: the explorer. The CLI imports this
module lazily: Ink and React load only here. The inputs are read here and handed to the UI.
*/
export async function runExplore(paths: string[], flags: CliFlags): Promise<number> {
	if (paths.length === 0 && (flags.kernel ?? []).length < 2) {
		throw new InputError(undefined, 'no module given: kmodx MODULE|DIR… [-k KERNEL]…, or two kernels to compare: kmodx -k A -k B');
	}

	// The first frame at once, and the inputs read while Ink and React load.
	const preFrame = writePreFrame(process.stdout, 'reading the inputs');
	const progress = new BufferedProgress();
	const loading = loadInputs(paths, flags, progress);
	// Reported by the explorer once it runs (or by the caller, should Ink fail to load).
	loading.catch(() => undefined);
	let run: typeof import('../ui/run-explorer.js').runExplorer;
	try {
		({runExplorer: run} = await withoutCiGuess(async () => import('../ui/run-explorer.js')));
	} catch (error) {
		preFrame.restore();
		throw error;
	} finally {
		// The explorer's own handlers take over at once (a second "leave the alternate screen" at
		// exit would move the cursor back over what was printed after the first).
		preFrame.release();
	}

	return run(async target => {
		progress.attach(target);
		return loading;
	}, {theme: {color: wantsColor(flags)}});
}

async function loadInputs(paths: string[], flags: CliFlags, progress: LoadProgress) {
	const countKernels = (done: number, total: number) => {
		progress.count('kernels read', done, total);
	};

	if (paths.length === 0) {
		progress.phase('reading the kernels');
		const kernels = await loadKernels(flags, progress.phase, undefined, countKernels);
		progress.phase('comparing exports');
		await new Promise(resolve => {
			setImmediate(resolve);
		});
		const diff = await judgedDiff(kernels, flags);
		progress.phase('building the table');
		await new Promise(resolve => {
			setImmediate(resolve);
		});
		// Grouped by cause after the first frame: it reads both kernels' whole type information.
		const causes: CausesTask = async onProgress => groupDiffByCause(diff, flags, onProgress);
		return {data: diffExplorerData(kernels, diff), explain: explainer(kernels, flags), causes};
	}

	progress.phase('reading the kernels and modules');
	const [kernels, modules] = await Promise.all([loadKernels(flags, progress.phase, undefined, countKernels), loadModules(paths, (done, total) => {
		progress.count('modules read', done, total);
	})]);
	progress.phase('checking');
	await new Promise(resolve => {
		setImmediate(resolve);
	});
	return {data: checkExplorerData(buildCheckReport(modules, kernels, {missingVersion: flags.missingVersion}), kernels), explain: explainer(kernels, flags)};
}

/** Progress reported before the loading frame exists is kept and replayed to it. */
class BufferedProgress implements LoadProgress {
	private target: LoadProgress | undefined;
	private lastPhase: string | undefined;
	private readonly counts = new Map<string, [number, number]>();

	phase = (message: string) => {
		this.lastPhase = message;
		this.target?.phase(message);
	};

	count = (what: string, done: number, total: number) => {
		this.counts.set(what, [done, total]);
		this.target?.count(what, done, total);
	};

	attach(target: LoadProgress) {
		this.target = target;
		if (this.lastPhase !== undefined) {
			target.phase(this.lastPhase);
		}

		for (const [what, [done, total]] of this.counts) {
			target.count(what, done, total);
		}
	}
}

/** The same type information as `kmodx why`: symtypes (given or generated from source) first, then BTF. */
export function explainer(kernels: Kernel[], flags: CliFlags): ExplainFunction {
	const info = new TypeInformation(parseTypesFlags(flags.types, kernels));
	return async (symbol, fromLabel, toLabel, onProgress) => {
		const from = kernels.find(kernel => kernel.label === fromLabel);
		const to = kernels.find(kernel => kernel.label === toLabel);
		if (!from || !to) {
			return {unavailable: `no kernel labelled ${from ? toLabel : fromLabel}`};
		}

		return explainSymbol(symbol, from, to, info, onProgress);
	};
}
