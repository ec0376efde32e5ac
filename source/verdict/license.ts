/** include/linux/license.h: license_is_gpl_compatible(). */
const gplCompatible = new Set(['GPL', 'GPL v2', 'GPL and additional rights', 'Dual BSD/GPL', 'Dual MIT/GPL', 'Dual MPL/GPL']);

export function isGplCompatible(license: string): boolean {
	return gplCompatible.has(license);
}
