import {readBounded} from '../common/read-bounded.js';
import {InputError} from '../common/input-error.js';
import type {ExportDiffRow} from '../kernel/diff-kernels.js';
import {isGplOnly} from '../kernel/kernel.js';
import type {ExportType} from '../module/module-info.js';
import {judge, parseRules, type KabiRules, type RuleDecision} from './rules.js';

/** A rules file is text of a few thousand lines; 16 MiB is far beyond any real one. */
const maximumRulesSize = 16 * 1024 * 1024;

export async function loadRules(file: string): Promise<KabiRules> {
	const bytes = await readBounded(file, maximumRulesSize, 'a kABI rules file');
	if (bytes.includes(0)) {
		throw new InputError(file, 'not a kABI rules file (binary data)');
	}

	// As bytes, like Module.symvers: a pattern's bytes meet a name's bytes.
	return parseRules(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('latin1'), file);
}

/**
What the rules say about one row of a kernel diff, as SUSE's `ksymvers compare --rules` decides:
- an addition is tolerated, and so is a move to another module (neither breaks a module built
  against the old kernel) and an export loosened from GPL-only to any license;
- a CRC change, a removal (also of a Rust name whose crate hash changed: `rehashed`), an export
  type made stricter and a namespace change are judged by the rules, on the old kernel's record
  (its name, module and namespace);
- undecided rows (an image that lists only vmlinux's exports) and unchanged ones are not judged.
With more than two kernels every later kernel is compared with the first.
*/
export function judgeRow(row: ExportDiffRow, rules: KabiRules): RuleDecision | undefined {
	const [base, ...others] = row.exports;
	const judged = row.change.filter(change => change === 'crc' || change === 'removed' || change === 'rehashed' || change === 'namespace'
		|| (change === 'export_type' && others.some(other => other && base && !loosened(base.exportType, other.exportType))));
	if (judged.length === 0) {
		const implicit = row.change.filter(change => change === 'added' || change === 'module' || change === 'export_type');
		return implicit.length === 0 ? undefined : {tolerated: true, rule: `implicit: ${implicit.map(change => implicitReason[change]).join(', ')}`};
	}

	// `judged` is not empty only when the first kernel has the export.
	return judge(rules, {symbol: row.name, module: base!.module, namespace: base!.namespace});
}

const implicitReason: Record<string, string> = {
	added: 'an addition is tolerated',
	module: 'a move to another module is tolerated',
	export_type: 'a GPL-only export opened to every license is tolerated',
};

/** GPL-only → any license: every module that could use it still can. */
function loosened(before: ExportType, after: ExportType): boolean {
	return isGplOnly(before) && !isGplOnly(after);
}

/** Every row's decision (undefined where nothing is judged), in the rows' order. */
export function judgeDiff(rows: readonly ExportDiffRow[], rules: KabiRules): Array<RuleDecision | undefined> {
	return rows.map(row => (row.change.includes('same') ? undefined : judgeRow(row, rules)));
}
