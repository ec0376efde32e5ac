import type {ExportTable, KernelExport} from './kernel.js';

/** An export table already held in memory (vmlinux, cache), first definition wins. */
export class MapTable implements ExportTable {
	private readonly map = new Map<string, KernelExport>();

	constructor(entries: Iterable<KernelExport>) {
		for (const entry of entries) {
			if (!this.map.has(entry.name)) {
				this.map.set(entry.name, entry);
			}
		}
	}

	get size(): number {
		return this.map.size;
	}

	get(name: string): KernelExport | undefined {
		return this.map.get(name);
	}

	all(): Iterable<KernelExport> {
		return this.map.values();
	}
}
