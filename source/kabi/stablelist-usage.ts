import type {KabiRules} from './rules.js';

/**
What Red Hat's `ksc` reports for a module against a kABI stablelist: how many symbols it uses,
which of them are not on the list (those may change within the release without notice), and
their share.
*/
export type StablelistUsage = {
	file: string;
	list: string;
	used: number;
	not_stablelisted: string[];
	/** not_stablelisted / used, 0..1 (0 when nothing is used). */
	share_not_stablelisted: number;
};

export function stablelistUsage(imports: readonly string[], rules: Extract<KabiRules, {kind: 'stablelist'}>): StablelistUsage {
	const used = [...new Set(imports)];
	const missing = used.filter(name => !rules.symbols.has(name)).sort();
	return {file: rules.file, list: rules.name, used: used.length, not_stablelisted: missing, share_not_stablelisted: used.length === 0 ? 0 : missing.length / used.length};
}

/** "kABI stablelist rhel9_x86_64_stablelist: 21 symbols used, 15 not stablelisted (71%): a, b, …". */
export function stablelistUsageText(module: string, usage: StablelistUsage): string {
	const share = Math.round(usage.share_not_stablelisted * 100);
	const names = usage.not_stablelisted.length > 0 ? `: ${usage.not_stablelisted.join(', ')}` : '';
	return `${module}: kABI stablelist ${usage.list}: ${usage.used} symbols used, ${usage.not_stablelisted.length} not stablelisted (${share}%)${names}`;
}
