/**
The export macros, in the order cache entries number them. Here rather than in kernel/ because
both modules and kernels export, and kernel/ reads modules (installed trees, vmlinux's ksymtab).
*/
export const exportTypes = [
	'EXPORT_SYMBOL',
	'EXPORT_SYMBOL_GPL',
	'EXPORT_SYMBOL_GPL_FUTURE',
	'EXPORT_UNUSED_SYMBOL',
	'EXPORT_UNUSED_SYMBOL_GPL',
] as const;

export type ExportType = typeof exportTypes[number];

export type ModuleImport = {
	name: string;
	/** CRC from `__versions` (low 32 bits); undefined when the module has no version for it. */
	crc: number | undefined;
	/** Weak undefined symbols may stay unresolved. */
	weak: boolean;
};

export type ModuleExport = {
	name: string;
	crc: number | undefined;
	exportType: ExportType;
	namespace: string;
};

export type ModuleSignature = {
	signer: string | undefined;
	keyId: string | undefined;
	algorithm: string | undefined;
	hash: string | undefined;
	/** Size in bytes of the PKCS#7 blob. */
	size: number;
};

export type ModuleInfo = {
	path: string;
	/** `name` from .modinfo, else the file name without `.ko*`, with '-' turned into '_'. */
	name: string;
	/** Compression the file was stored with, if any. */
	compression: string | undefined;
	elfClass: 32 | 64;
	endianness: 'little' | 'big';
	machine: number;
	machineName: string;
	/** `.modinfo` keys in file order; repeated keys keep every value. */
	modinfo: Array<[key: string, value: string]>;
	/** Entries of `__versions` (and `__version_ext_*`), in file order, exactly as modprobe lists them. */
	versions: Array<{name: string; crc: number}>;
	/** True when the module has a `__versions` section (CONFIG_MODVERSIONS build). */
	hasVersions: boolean;
	/** Undefined symbols the kernel must resolve, `__this_module` excluded. */
	imports: ModuleImport[];
	exports: ModuleExport[];
	/** True when the module has `__kflagstab` (7.x): kernels of that generation refuse exports without it. */
	exportFlags: boolean;
	/** True when the module has `__kcrctab*` (CRCs for its own exports). */
	exportCrcs: boolean;
	signature: ModuleSignature | undefined;
};

export function modinfoValue(module: ModuleInfo, key: string): string | undefined {
	return module.modinfo.find(([k]) => k === key)?.[1];
}

export function modinfoValues(module: ModuleInfo, key: string): string[] {
	return module.modinfo.filter(([k]) => k === key).map(([, v]) => v);
}
