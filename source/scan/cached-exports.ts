import type {ExportTable, Kernel, KernelExport} from '../kernel/kernel.js';

/**
Remembers every lookup: across thousands of modules the same few thousand names (module_layout,
kfree, _printk…) are asked for again and again, and a Module.symvers lookup builds its entry
from the text each time.
*/
export class CachedExports implements ExportTable {
	private readonly memo = new Map<string, KernelExport | null>();

	constructor(readonly inner: ExportTable) {}

	get size(): number {
		return this.inner.size;
	}

	get(name: string): KernelExport | undefined {
		const known = this.memo.get(name);
		if (known !== undefined) {
			return known ?? undefined;
		}

		const found = this.inner.get(name);
		this.memo.set(name, found ?? null);
		return found;
	}

	all(): Iterable<KernelExport> {
		return this.inner.all();
	}
}

export function withCachedExports(kernel: Kernel): Kernel {
	return kernel.exports instanceof CachedExports ? kernel : {...kernel, exports: new CachedExports(kernel.exports)};
}
