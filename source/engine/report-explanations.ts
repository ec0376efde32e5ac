import type {ExplainResult} from '../typediff/explanation.js';
import type {Problem} from '../verdict/check-module.js';
import type {CheckReport} from './check-report.js';

/**
Explanations already made (the explorer's, as the user opened symbols), by symbol and the kernel
the CRC differs on: a report reuses them, it never computes them again.
*/
export type KnownExplanations = ReadonlyMap<string, ExplainResult>;

export const knownKey = (symbol: string, kernel: string) => `${symbol}\u0000${kernel}`;

/**
The report with a why for every CRC mismatch: the one it has (`check --explain`), else the one
already made (`known`), else `not_explained`, saying what would explain it on that kernel
(`hint`). The report given is not changed (the explorer keeps showing it).
*/
export function withExplanations(report: CheckReport, known: KnownExplanations, hint: (kernel: string) => string): CheckReport {
	const explained = (problem: Problem, kernel: string): Problem => {
		if (problem.kind !== 'crc' || !problem.symbol || problem.explanation || problem.explanation_unavailable !== undefined) {
			return problem;
		}

		const found = known.get(knownKey(problem.symbol, kernel));
		if (found) {
			return 'explanation' in found ? {...problem, explanation: found.explanation} : {...problem, explanation_unavailable: found.unavailable};
		}

		return {...problem, not_explained: hint(kernel)};
	};

	return {
		...report,
		modules: report.modules.map(module => ({
			...module,
			results: module.results.map(result => {
				const problems = result.problems.map(problem => explained(problem, result.kernel));
				// first_failure is the first problem itself: it stays so.
				const first = result.first_failure ? result.problems.indexOf(result.first_failure) : -1;
				return {...result, problems, first_failure: first === -1 ? result.first_failure : problems[first]!};
			}),
		})),
	};
}

/** What explains a mismatch `kmodx check` printed without --explain. */
export const checkHint = (kernel: string) => `run the check again with --explain: it compares the types of the kernel the module was built for and ${kernel} (--types adds BTF or the kernels' source for an exact answer)`;
