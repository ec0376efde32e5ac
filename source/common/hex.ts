/** CRCs are printed the way modprobe --dump-modversions and Module.symvers print them. */
export function formatCrc(crc: number): string {
	return '0x' + (crc >>> 0).toString(16).padStart(8, '0');
}
