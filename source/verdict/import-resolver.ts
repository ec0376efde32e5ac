import type {ExportTable, KernelExport} from '../kernel/kernel.js';
import type {ModuleInfo} from '../module/module-info.js';

/** An import name's export in each kernel (in the kernels' order), and whether some kernel lacks it. */
export type Resolution = {exports: Array<KernelExport | undefined>; lacking: boolean};

/**
Each import name looked up once per run in every kernel's export table (given in the kernels'
order): the 4,022 modules of a distribution kernel make 185,000 imports of some 9,000 names. One
lookup per import here replaces one per import and kernel in the verdict, plus one for "does
some kernel lack it". This is the memo: the tables need no other in front of them.
*/
export class ImportResolver {
	private readonly known = new Map<string, Resolution>();

	constructor(private readonly tables: ExportTable[]) {}

	/** The resolutions of `module.imports`, in order. */
	resolve(module: ModuleInfo): Resolution[] {
		const resolutions: Resolution[] = [];
		for (const symbol of module.imports) {
			let resolution = this.known.get(symbol.name);
			if (!resolution) {
				const exports = this.tables.map(table => table.get(symbol.name));
				resolution = {exports, lacking: exports.includes(undefined)};
				this.known.set(symbol.name, resolution);
			}

			resolutions.push(resolution);
		}

		return resolutions;
	}
}
