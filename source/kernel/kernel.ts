import {formatCrc} from '../common/hex.js';
import type {ExportType} from '../module/module-info.js';

/** What a kernel exports, however it was read (Module.symvers, vmlinux, vmlinuz, headers dir). */
export type KernelExport = {
	name: string;
	/** Low 32 bits of the CRC; undefined when the kernel has no CRC for it (no CONFIG_MODVERSIONS). */
	crc: number | undefined;
	/** `vmlinux` or the module path without `.ko`, e.g. `drivers/usb/core/usbcore`. */
	module: string;
	exportType: ExportType;
	/** Empty string when the export has no namespace. */
	namespace: string;
};

/**
An export's CRC as the reports spell it: `0x…`, or `none` where the kernel has none for it (built
without CONFIG_MODVERSIONS); the plan's JSON documents that word, the diff uses it too.
*/
export function exportCrcText(entry: KernelExport): string {
	return entry.crc === undefined ? 'none' : formatCrc(entry.crc);
}

export function isGplOnly(exportType: ExportType): boolean {
	return exportType === 'EXPORT_SYMBOL_GPL' || exportType === 'EXPORT_UNUSED_SYMBOL_GPL';
}

/**
The symbol table of one kernel. Lookups are by name; `all()` lists everything (kernel diff,
many modules). Implementations may index lazily: a single module needs a few dozen names.
*/
export type ExportTable = {
	get(name: string): KernelExport | undefined;
	all(): Iterable<KernelExport>;
	readonly size: number;
	/** False when the table's CRCs are only placeholders (a kernel without modversions); undefined when not known. */
	readonly hasCrcs?: boolean;
};

/** Whether any export of the table carries a CRC (the first one does on a kernel with modversions). */
export function tableHasCrcs(table: ExportTable): boolean {
	if (table.hasCrcs !== undefined) {
		return table.hasCrcs;
	}

	for (const entry of table.all()) {
		if (entry.crc !== undefined) {
			return true;
		}
	}

	return false;
}

export type KernelSourceKind = 'symvers' | 'headers' | 'vmlinux' | 'vmlinuz' | 'installed' | 'release';

export type Kernel = {
	label: string;
	/** The path (or release) the user gave. */
	source: string;
	kind: KernelSourceKind;
	/** The files actually read, in order. */
	files: string[];
	release: string | undefined;
	/** The vermagic string the kernel expects, when its release and config (or its image) tell it. */
	vermagic: string | undefined;
	/** The part of vermagic after the release; all the kernel compares for modules with CRCs. */
	vermagicFlags: string | undefined;
	/** ELF machine the kernel runs, when known (config, image). */
	machine: number | undefined;
	exports: ExportTable;
	/**
	CONFIG_MODVERSIONS: true when the kernel checks CRCs, false when it has none (its config says
	so, its image has no `__kcrctab`, or its Module.symvers holds only `0x00000000` placeholders),
	undefined when nothing tells. Without modversions the kernel checks no CRC and no
	`module_layout`, and same_magic() compares the whole vermagic, release included.
	*/
	modversions: boolean | undefined;
	/**
	Whether the kernel's symbol tables carry `__kflagstab` (7.x): it then refuses a module that
	exports symbols without one. Undefined when the input does not tell (a bare Module.symvers).
	*/
	exportFlags: boolean | undefined;
	/** False when only vmlinux's own exports are known (an image): symbols of modules are then undecidable. */
	modulesIncluded: boolean;
	/** Config switches that change the verdict, when the kernel's config is known. */
	config: KernelSwitches | undefined;
	/** Paths of type information that came with the kernel (vmlinux/vmlinuz BTF, headers dir). */
	typeSources: TypeSource[];
	/**
	An installed kernel (`/lib/modules/<release>`): modules whose exports count, those it would
	refuse and those that cannot be read (each `path: why`); a name not found may be exported by
	an unreadable one, so it is undecided, not missing.
	*/
	modules?: {counted: number; skipped: string[]; unreadable?: string[]};
};

export type TypeSource =
	/** `data`: raw BTF already extracted while reading the image, so it is never decompressed twice. */
	| {kind: 'btf'; path: string; data?: Uint8Array}
	| {kind: 'symtypes'; path: string}
	| {kind: 'headers'; path: string};

export type KernelSwitches = {
	/** CONFIG_MODULE_FORCE_LOAD: modules without versions or vermagic load with a taint. */
	forceLoad: boolean;
	/** CONFIG_MODULE_SIG: unsigned or foreign-key modules taint the kernel. */
	moduleSig: boolean;
	/** CONFIG_RETPOLINE / CONFIG_MITIGATION_RETPOLINE: modules without retpoline get a warning. */
	retpoline: boolean;
};
