import type {ExportTable, KernelExport} from '../kernel/kernel.js';
import type {ModuleInfo} from '../module/module-info.js';

/** A name not looked up in that table yet. */
const unknown = Symbol('unknown');
type Known = Array<KernelExport | undefined | typeof unknown>;

/**
Each import name looked up at most once per run in each kernel's export table (given in the
kernels' order), and only in the tables that are asked: the 4,022 modules of a distribution
kernel make 185,000 imports of some 18,000 names, and a matrix whose modules stop at
module_layout on a kernel never asks that kernel for their symbols. This is the memo: the
tables need no other in front of them.
*/
export class ImportResolver {
	private readonly known = new Map<string, Known>();

	constructor(private readonly tables: ExportTable[]) {}

	/** What table `table` exports under each of `module.imports`, in order. */
	exportsIn(module: ModuleInfo, table: number): Array<KernelExport | undefined> {
		const found: Array<KernelExport | undefined> = [];
		for (const symbol of module.imports) {
			found.push(this.lookUp(symbol.name, table));
		}

		return found;
	}

	/** Whether some table lacks one of the module's imports: another module given may export it. */
	lacksAny(module: ModuleInfo): boolean {
		return this.tables.some((_, table) => this.lacks(module, table));
	}

	/** Whether table `table` lacks one of the module's imports. */
	private lacks(module: ModuleInfo, table: number): boolean {
		for (const symbol of module.imports) {
			if (this.lookUp(symbol.name, table) === undefined) {
				return true;
			}
		}

		return false;
	}

	/** What table `table` exports under `name`, looked up once. */
	exportOf(name: string, table: number): KernelExport | undefined {
		return this.lookUp(name, table);
	}

	private lookUp(name: string, table: number): KernelExport | undefined {
		let known = this.known.get(name);
		if (!known) {
			known = this.tables.map(() => unknown);
			this.known.set(name, known);
		}

		let found = known[table];
		if (found === unknown) {
			found = this.tables[table]!.get(name);
			known[table] = found;
		}

		return found;
	}
}
