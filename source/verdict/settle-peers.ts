import type {Kernel} from '../kernel/kernel.js';
import type {ModuleInfo} from '../module/module-info.js';
import {checkModule, moduleFacts, type CheckPolicy, type KernelVerdict, type Outcome, type PeerExport} from './check-module.js';

/**
Checks the modules whose imports some kernel lacks, with the exports of every module of the run
(`exports`, in run order; a later module wins a name) as peers — but on each kernel only the
exports of modules that load there themselves: a module that cannot load exports nothing, as
RHEL's weak-modules and the kernel see it; what only a module with an undecided verdict exports
is undecided too. `outcomeElsewhere` answers for the modules not pending. Pending modules
depend on each other, so their verdicts are iterated until none changes.
*/
export function checkWithPeers(pending: ModuleInfo[], kernels: Kernel[], policy: CheckPolicy, exports: PeerExport[][], outcomeElsewhere: (path: string, kernel: string) => Outcome): PeerSettlement {
	const paths = new Set(pending.map(module => module.path));
	return settlePeers({
		has: path => paths.has(path),
		forEach(visit) {
			for (const module of pending) {
				visit(module);
			}
		},
		wanted: new Set(pending.flatMap(module => module.imports.map(symbol => symbol.name))),
	}, kernels, policy, exports, outcomeElsewhere);
}

/**
The pending modules of a peer check, visited once per round: a scan keeps them on disk
(scan/spill.ts), so that tens of thousands of them need not fit in memory at once.
*/
export type PendingModules = {
	has(path: string): boolean;
	forEach(visit: (module: ModuleInfo) => void): void;
	/** Every name a pending module imports. */
	wanted: ReadonlySet<string>;
};

/** The peers each kernel offers once the pending modules' verdicts settled, and each pending module's verdicts with them. */
export type PeerSettlement = {
	peers: Map<string, Map<string, PeerExport>>;
	verdicts(module: ModuleInfo): KernelVerdict[];
};

/** checkWithPeers's rounds, keeping only each pending module's outcomes between them (the reports are made one at a time, after). */
export function settlePeers(pending: PendingModules, kernels: Kernel[], policy: CheckPolicy, exports: PeerExport[][], outcomeElsewhere: (path: string, kernel: string) => Outcome): PeerSettlement {
	const outcomes = new Map<string, Outcome[]>();
	const outcome = (path: string, kernel: string): Outcome => {
		if (!pending.has(path)) {
			return outcomeElsewhere(path, kernel);
		}

		// Not checked yet (the first round): as if it failed. Rounds only improve verdicts from there,
		// so modules that need each other in a circle never load, as with the kernel.
		return outcomes.get(path)?.[kernels.findIndex(entry => entry.label === kernel)] ?? 'fails';
	};

	// Peers are only asked for names a pending module imports: tens, among the tens of thousands
	// of exports of a distribution's modules.
	const {wanted} = pending;
	const offers = exports.filter(list => list.length > 0).map(list => ({module: list[0]!.module, entries: list.filter(entry => wanted.has(entry.name))})).filter(offer => offer.entries.length > 0);
	let peers = new Map<string, Map<string, PeerExport>>();
	let undecidedPeers = new Map<string, Map<string, PeerExport>>();
	const verdicts = (module: ModuleInfo) => {
		const facts = moduleFacts(module);
		return kernels.map(kernel => checkModule(module, kernel, policy, {peers: peers.get(kernel.label), undecidedPeers: undecidedPeers.get(kernel.label), facts}));
	};
	// Each round can only improve verdicts (fails → undecided → loads); the bound stops a
	// pathological flip-flop. Rounds need the outcomes only; the full reports are made at the end.
	for (let round = 0, rounds = 1; round <= rounds; round++) {
		peers = new Map();
		undecidedPeers = new Map();
		for (const kernel of kernels) {
			const loading = new Map<string, PeerExport>();
			const undecided = new Map<string, PeerExport>();
			for (const offer of offers) {
				const state = outcome(offer.module, kernel.label);
				if (state !== 'fails') {
					for (const entry of offer.entries) {
						(state === 'loads' ? loading : undecided).set(entry.name, entry);
					}
				}
			}

			peers.set(kernel.label, loading);
			undecidedPeers.set(kernel.label, undecided);
		}

		let changed = false;
		let count = 0;
		pending.forEach(module => {
			count++;
			const results = verdicts(module).map(result => result.verdict);
			const before = outcomes.get(module.path);
			if (!before || before.some((result, index) => result !== results[index])) {
				changed = true;
			}

			outcomes.set(module.path, results);
		});
		rounds = count + 1;
		if (!changed) {
			break;
		}
	}

	return {peers, verdicts};
}
