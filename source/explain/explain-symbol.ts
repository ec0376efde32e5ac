import {existsSync, statSync} from 'node:fs';
import {resolveCacheDir} from '../common/cache.js';
import {formatCrc} from '../common/hex.js';
import {InputError} from '../common/input-error.js';
import type {Kernel} from '../kernel/kernel.js';
import type {Btf} from '../btf/btf.js';
import type {SymtypesIndex} from '../symtypes/symtypes-index.js';
import type {Explanation} from './explanation.js';

/** Type information of one kernel: genksyms's own input (exact), or BTF (layout). */
export type TypeInfo =
	| {method: 'symtypes'; index: SymtypesIndex; path: string}
	| {method: 'btf'; btf: Btf; path: string};

export type ExplainResult = {explanation: Explanation} | {unavailable: string};

/** `--types LABEL=PATH` values, by kernel label. */
export function parseTypesFlags(values: string[] | undefined, kernels: Kernel[]): Map<string, string> {
	const types = new Map<string, string>();
	for (const value of values ?? []) {
		const match = /^([^=]+)=(.+)$/.exec(value);
		if (!match) {
			throw new InputError(undefined, `--types ${value}: expected LABEL=PATH`);
		}

		const [, label, file] = match as unknown as [string, string, string];
		if (!kernels.some(kernel => kernel.label === label)) {
			throw new InputError(undefined, `--types ${value}: no kernel is labelled '${label}' (labels: ${kernels.map(k => k.label).join(', ')})`);
		}

		if (!existsSync(file)) {
			throw new InputError(file, 'no such file or directory');
		}

		types.set(label, file);
	}

	return types;
}

const isSymtypesPath = (file: string) => /\.symtypes(\.(gz|xz|zst))?$/.test(file) || isDirectory(file);

function isDirectory(file: string): boolean {
	try {
		return statSync(file).isDirectory();
	} catch {
		return false;
	}
}

/**
Finds and loads type information per kernel, once: explicit `--types` first, then what the
kernel source brings (a vmlinuz/vmlinux has BTF; a headers directory can generate the exact
symtypes of module_layout). Parsers load lazily: `check` without `--explain` never pays for them.
*/
export class TypeInfoProvider {
	private readonly loaded = new Map<string, Promise<TypeInfo | undefined>>();

	constructor(private readonly types: Map<string, string>, private readonly options: {headersTimeoutMs?: number} = {}) {}

	async forKernel(kernel: Kernel, symbol: string): Promise<TypeInfo | undefined> {
		const explicit = this.types.get(kernel.label);
		// Symtypes generated from headers only cover module_layout: keyed by symbol there.
		const headers = kernel.typeSources.find(source => source.kind === 'headers');
		const useHeaders = !explicit && symbol === 'module_layout' && headers;
		const key = useHeaders ? `${kernel.label}\0headers` : kernel.label;
		let promise = this.loaded.get(key);
		if (!promise) {
			promise = this.load(kernel, explicit, useHeaders ? headers.path : undefined);
			this.loaded.set(key, promise);
		}

		return promise;
	}

	private async load(kernel: Kernel, explicit: string | undefined, headersDirectory: string | undefined): Promise<TypeInfo | undefined> {
		if (explicit) {
			if (isSymtypesPath(explicit)) {
				const {loadSymtypes} = await import('../symtypes/load-symtypes.js');
				return {method: 'symtypes', index: await loadSymtypes(explicit), path: explicit};
			}

			const {loadBtf} = await import('../btf/load-btf.js');
			return {method: 'btf', btf: await loadBtf(explicit), path: explicit};
		}

		if (headersDirectory) {
			const [{generateModuleLayoutSymtypes}, {readSymtypes}] = await Promise.all([import('../symtypes/headers-symtypes.js'), import('../symtypes/read-symtypes.js')]);
			const generated = await generateModuleLayoutSymtypes(headersDirectory, {timeoutMs: this.options.headersTimeoutMs ?? 120_000, cacheDir: resolveCacheDir(undefined)});
			return {method: 'symtypes', index: readSymtypes(generated.text, `${headersDirectory} (generated version.symtypes)`), path: headersDirectory};
		}

		const btfSource = kernel.typeSources.find(source => source.kind === 'btf');
		if (btfSource?.kind === 'btf') {
			if (btfSource.data) {
				const {parseBtf} = await import('../btf/btf.js');
				return {method: 'btf', btf: parseBtf(btfSource.data, {file: btfSource.path}), path: btfSource.path};
			}

			const {loadBtf} = await import('../btf/load-btf.js');
			return {method: 'btf', btf: await loadBtf(btfSource.path), path: btfSource.path};
		}

		return undefined;
	}
}

export const typesHint = 'give type information for both kernels: --types LABEL=PATH with a .symtypes file or tree (exact), raw BTF (/sys/kernel/btf/vmlinux), vmlinux or vmlinuz; or give the kernels themselves as vmlinuz images (BTF) or headers directories (module_layout, generated with make)';

/** Why `symbol` has another CRC on `to` than on `from`; prefers the exact genksyms method. */
export async function explainSymbol(symbol: string, from: Kernel, to: Kernel, provider: TypeInfoProvider): Promise<ExplainResult> {
	const fromCrc = from.exports.get(symbol)?.crc;
	const toCrc = to.exports.get(symbol)?.crc;
	const [fromTypes, toTypes] = await Promise.all([provider.forKernel(from, symbol), provider.forKernel(to, symbol)]);
	if (!fromTypes || !toTypes) {
		const missing = [fromTypes ? undefined : from.label, toTypes ? undefined : to.label].filter(Boolean).join(' and ');
		return {unavailable: `no type information for ${missing}: ${typesHint}`};
	}

	if (fromTypes.method === 'symtypes' && toTypes.method === 'symtypes') {
		const {explainSymtypes} = await import('../symtypes/explain-symtypes.js');
		const explanation = explainSymtypes({
			symbol,
			from: {label: from.label, index: fromTypes.index, kernelCrc: fromCrc},
			to: {label: to.label, index: toTypes.index, kernelCrc: toCrc},
		});
		return {explanation};
	}

	const [fromBtf, toBtf] = [fromTypes, toTypes].map(info => (info.method === 'btf' ? info.btf : undefined));
	if (!fromBtf || !toBtf) {
		return {unavailable: `type information differs in kind (${fromTypes.method} for ${from.label}, ${toTypes.method} for ${to.label}): give the same kind for both kernels`};
	}

	const {explainBtf} = await import('../btf/explain-btf.js');
	const explanation = explainBtf({
		symbol,
		from: {label: from.label, btf: fromBtf, crc: fromCrc === undefined ? undefined : formatCrc(fromCrc)},
		to: {label: to.label, btf: toBtf, crc: toCrc === undefined ? undefined : formatCrc(toCrc)},
	});
	return {explanation};
}
