import {InputError} from '../common/input-error.js';
import {earlyStopKinds, type KernelVerdict, type ProblemKind} from '../verdict/check-module.js';

/** Every problem kind of kmodx.check/1; the type below fails to compile when check-module.ts adds one. */
export const problemKinds = ['arch', 'no_versions', 'crc', 'missing', 'gpl_only', 'namespace', 'vermagic', 'no_version', 'proprietary_taint', 'no_export_flags'] as const satisfies readonly ProblemKind[];
type Exhaustive = Exclude<ProblemKind, (typeof problemKinds)[number]> extends never ? true : never;
const exhaustive: Exhaustive = true;
void exhaustive;

/**
What `--fail-on` can name: the problem kinds, and `unresolved`, an import kmodx cannot decide
(the kernel source lists only vmlinux's exports): such a verdict is undecided, not a failure.
*/
export type FailKind = ProblemKind | 'unresolved';
export const failKinds: readonly FailKind[] = [...problemKinds, 'unresolved'];

/** Exit status when nothing counted fails but a counted verdict is undecided (1: something fails, 2: bad input). */
export const undecidedStatus = 3;

/** `--fail-on KINDS`: a comma list of kinds, `all` (the default) or `none`. */
export function parseFailOn(value: string | undefined): ReadonlySet<FailKind> {
	if (value === undefined || value.trim() === 'all') {
		return new Set(failKinds);
	}

	if (value.trim() === 'none') {
		return new Set();
	}

	const kinds = new Set<FailKind>();
	for (const word of value.split(',').map(part => part.trim()).filter(part => part !== '')) {
		const kind = word.replaceAll('-', '_');
		if (!(failKinds as readonly string[]).includes(kind)) {
			throw new InputError(undefined, `--fail-on ${value}: unknown kind '${word}' (kinds: ${failKinds.join(', ')}, or all, none)`);
		}

		kinds.add(kind as FailKind);
	}

	if (kinds.size === 0) {
		throw new InputError(undefined, `--fail-on '${value}': name at least one kind, or none`);
	}

	return kinds;
}

/** Whether a verdict's problems count towards exit status 1. */
export function counts(kinds: readonly FailKind[], failOn: ReadonlySet<FailKind>): boolean {
	return kinds.some(kind => kind !== 'unresolved' && failOn.has(kind));
}

/** The kinds a verdict has, each once: its problems', then `unresolved` when an import is undecided. */
export function verdictKinds(result: Pick<KernelVerdict, 'problems' | 'warnings'>): FailKind[] {
	const kinds: FailKind[] = [];
	for (const {kind} of result.problems) {
		if (!kinds.includes(kind)) {
			kinds.push(kind);
		}
	}

	if (result.warnings.some(warning => warning.kind === 'unresolved')) {
		kinds.push('unresolved');
	}

	return kinds;
}

/**
Folds verdicts (their kinds) into the exit status: 1 when one has a problem of --fail-on, else
3 (`undecidedStatus`) when one has an undecided import and `unresolved` is counted, else 0.
*/
export class ExitTally {
	private failing = false;
	private undecided = false;

	constructor(private readonly failOn: ReadonlySet<FailKind>) {}

	add(kinds: readonly FailKind[]): void {
		this.failing ||= counts(kinds, this.failOn);
		this.undecided ||= kinds.includes('unresolved') && this.failOn.has('unresolved');
	}

	get status(): number {
		return this.failing ? 1 : (this.undecided ? undecidedStatus : 0);
	}
}

/**
Whether a verdict that stops before the symbols always counts: then the problems behind such a
stop cannot change the exit status, and the matrix may skip looking for them.
*/
export function countsEveryFirstFailure(failOn: ReadonlySet<FailKind>): boolean {
	return earlyStopKinds.every(kind => failOn.has(kind));
}
