import type {KernelSwitches} from './kernel.js';

/** The few facts kmodx needs from a kernel `.config` / `include/config/auto.conf`. */
export type KernelConfig = {
	options: Map<string, string>;
	/** ELF e_machine the kernel accepts, when the config tells the architecture. */
	machine: number | undefined;
	/** The vermagic after the release: "SMP preempt mod_unload modversions ". */
	vermagicFlags: string;
	modversions: boolean;
	switches: KernelSwitches;
};

export function parseKernelConfig(text: string): KernelConfig {
	const options = new Map<string, string>();
	for (const line of text.split('\n')) {
		const match = /^(CONFIG_\w+)=(.*)$/.exec(line.trim());
		if (match) {
			options.set(match[1]!, match[2]!.replace(/^"(.*)"$/, '$1'));
		}
	}

	return {
		options,
		machine: machineOf(options),
		vermagicFlags: vermagicFlags(options),
		modversions: enabled(options, 'MODVERSIONS'),
		switches: {
			forceLoad: enabled(options, 'MODULE_FORCE_LOAD'),
			moduleSig: enabled(options, 'MODULE_SIG'),
			retpoline: enabled(options, 'RETPOLINE') || enabled(options, 'MITIGATION_RETPOLINE'),
		},
	};
}

function enabled(options: Map<string, string>, name: string): boolean {
	const value = options.get(`CONFIG_${name}`);
	return value === 'y' || value === 'm';
}

/** include/linux/vermagic.h: VERMAGIC_STRING minus UTS_RELEASE. */
function vermagicFlags(options: Map<string, string>): string {
	let flags = '';
	if (enabled(options, 'SMP')) {
		flags += 'SMP ';
	}

	// 6.1 tests PREEMPT_BUILD first; kernels before it (no PREEMPT_BUILD symbol) used PREEMPT.
	if (enabled(options, 'PREEMPT_BUILD') || (!options.has('CONFIG_PREEMPT_BUILD') && !enabled(options, 'PREEMPT_RT') && enabled(options, 'PREEMPT'))) {
		flags += 'preempt ';
	} else if (enabled(options, 'PREEMPT_RT')) {
		flags += 'preempt_rt ';
	}

	if (enabled(options, 'MODULE_UNLOAD')) {
		flags += 'mod_unload ';
	}

	if (enabled(options, 'MODVERSIONS')) {
		flags += 'modversions ';
	}

	flags += archVermagic(options);
	return flags;
}

// arch/x86/include/asm/vermagic.h: 32-bit x86 adds the processor family; x86-64 and s390 add nothing.
const x86Families: Array<[string, string]> = [
	['M486SX', '486SX '], ['M486', '486 '], ['M586', '586 '], ['M586TSC', '586TSC '], ['M586MMX', '586MMX '],
	['MCORE2', 'CORE2 '], ['MATOM', 'ATOM '], ['M686', '686 '], ['MPENTIUMII', 'PENTIUMII '],
	['MPENTIUMIII', 'PENTIUMIII '], ['MPENTIUMM', 'PENTIUMM '], ['MPENTIUM4', 'PENTIUM4 '], ['MK6', 'K6 '],
	['MK7', 'K7 '], ['MK8', 'K8 '], ['MELAN', 'ELAN '], ['MCRUSOE', 'CRUSOE '], ['MEFFICEON', 'EFFICEON '],
	['MWINCHIPC6', 'WINCHIPC6 '], ['MWINCHIP3D', 'WINCHIP3D '], ['MCYRIXIII', 'CYRIXIII '],
	['MVIAC3_2', 'VIAC3-2 '], ['MVIAC7', 'VIAC7 '], ['MGEODEGX1', 'GEODEGX1 '], ['MGEODE_LX', 'GEODE '],
];

function archVermagic(options: Map<string, string>): string {
	if (enabled(options, 'X86_32')) {
		return x86Families.find(([name]) => enabled(options, name))?.[1] ?? '';
	}

	return '';
}

function machineOf(options: Map<string, string>): number | undefined {
	const arches: Array<[string, number]> = [
		['X86_64', 62], ['X86_32', 3], ['ARM64', 183], ['S390', 22], ['PPC64', 21], ['PPC32', 20],
		['RISCV', 243], ['LOONGARCH', 258], ['MIPS', 8], ['ARM', 40],
	];
	return arches.find(([name]) => enabled(options, name))?.[1];
}
