import {InputError} from '../common/input-error.js';
import {earlyStopKinds, type ProblemKind} from '../verdict/check-module.js';

/** Every problem kind of kmodx.check/1; the type below fails to compile when check-module.ts adds one. */
export const problemKinds = ['arch', 'no_versions', 'crc', 'missing', 'gpl_only', 'namespace', 'vermagic', 'no_version', 'proprietary_taint'] as const satisfies readonly ProblemKind[];
type Exhaustive = Exclude<ProblemKind, (typeof problemKinds)[number]> extends never ? true : never;
const exhaustive: Exhaustive = true;
void exhaustive;

/** `--fail-on KINDS`: a comma list of problem kinds, `all` (the default) or `none`. */
export function parseFailOn(value: string | undefined): ReadonlySet<ProblemKind> {
	if (value === undefined || value.trim() === 'all') {
		return new Set(problemKinds);
	}

	if (value.trim() === 'none') {
		return new Set();
	}

	const kinds = new Set<ProblemKind>();
	for (const word of value.split(',').map(part => part.trim()).filter(part => part !== '')) {
		const kind = word.replaceAll('-', '_');
		if (!(problemKinds as readonly string[]).includes(kind)) {
			throw new InputError(undefined, `--fail-on ${value}: unknown problem kind '${word}' (kinds: ${problemKinds.join(', ')}, or all, none)`);
		}

		kinds.add(kind as ProblemKind);
	}

	if (kinds.size === 0) {
		throw new InputError(undefined, `--fail-on '${value}': name at least one problem kind, or none`);
	}

	return kinds;
}

/** Whether a verdict's problems count towards exit status 1. */
export function counts(kinds: readonly ProblemKind[], failOn: ReadonlySet<ProblemKind>): boolean {
	return kinds.some(kind => failOn.has(kind));
}

/**
Whether a verdict that stops before the symbols always counts: then the problems behind such a
stop cannot change the exit status, and the matrix may skip looking for them.
*/
export function countsEveryFirstFailure(failOn: ReadonlySet<ProblemKind>): boolean {
	return earlyStopKinds.every(kind => failOn.has(kind));
}
