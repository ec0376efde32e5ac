/*
`kmodx COMMAND --help`: each command's usage, options and exit status, printed with status 0
before anything is read (the command's own checks would refuse an empty invocation). Plain
`kmodx --help` prints the full help of options.ts.
*/

const kernelLine = `  KERNEL is [LABEL=]SOURCE: Module.symvers (.gz .xz .zst), /boot/symvers-<release>.gz, a headers
  directory, an installed kernel (/lib/modules/<release>, or a root holding one), vmlinux,
  vmlinuz, or a release name. Images list only vmlinux's exports: imports they cannot tell are
  undecided (?), never "loads".`;

export const commandHelp: Record<'check' | 'plan' | 'why' | 'weak-modules' | 'hook', string> = {
	check: `
  Usage
    $ kmodx check MODULE|DIR… [-k KERNEL]…

  Will the modules load on these kernels? Decides as kernel/module/*.c does, for every module
  (directories are searched for *.ko, *.ko.gz, *.ko.xz, *.ko.zst) on every kernel (default: the
  running one). Modules given together resolve each other's exports.

${kernelLine}

  Options
    -k, --kernel KERNEL             a kernel to check against (repeatable)
    -f, --format text|json|markdown report format; --json = --format json (kmodx.check/1)
        --layout auto|matrix|details text/Markdown: a modules × kernels matrix or every detail
    -o, --output FILE               write the report to FILE (--force overwrites)
        --fail-on KINDS             what makes the exit status non-zero: arch, no_versions, crc,
                                    missing, gpl_only, namespace, vermagic, no_version,
                                    proprietary_taint, unresolved; all (default) or none
        --missing-version fatal|warn  a symbol without CRC: Debian refuses it (default), upstream warns
        --explain, --types LABEL=PATH why each CRC differs (type information; may run make with
                                    a headers directory: see kmodx why --help)
        --no-color

  Exit status
    0 every module loads on every kernel; 1 some fail (a problem of --fail-on); 3 none fails but
    some verdict is undecided (unresolved counts); 2 bad usage or input; 70 internal error (a bug)
`,
	plan: `
  Usage
    $ kmodx plan MODULE|DIR… -k KERNEL…

  The fewest builds that cover the kernels: kernels that agree on every CRC the modules import
  form one ABI group, served by one build. Modules given together (a directory, a DKMS package)
  are built together: what one exports is not an import of the others.

${kernelLine}

  Options
    -k, --kernel KERNEL             a kernel (repeatable)
    -f, --format text|json|markdown --json = --format json (kmodx.plan/1)
        --explain, --types LABEL=PATH why the splitting symbols differ (may run make: kmodx why --help)
    -o, --output FILE, --force, --no-color

  Exit status
    0 one binary serves every kernel; 1 it cannot; 3 nothing says it cannot, but some import is
    undecided; 2 bad usage or input; 70 internal error (a bug)
`,
	why: `
  Usage
    $ kmodx why SYMBOL -k FROM -k TO [--types LABEL=PATH]…

  Why did the symbol's CRC change? From genksyms's input (symtypes: --types, headers
  directories, kernel source tarballs) when there is some, else from BTF (images,
  /sys/kernel/btf/vmlinux).

${kernelLine}

  What it runs: to make symtypes, make with the headers directory's own Makefiles (a -k
  headers directory, or the one of the kernel's release), which runs that kernel's compiler
  as the preprocessor, and genksyms, on a file kmodx writes or on the exporting file of a
  source tarball or tree (--types, or /usr/src/linux-source-* found by itself), with the -I, -D,
  -U, -include and -iquote flags of its Makefiles; and xz, zstd or bzip2 to unpack it. Every
  process gets an argument list, never a shell line; a Makefile flag that make or the shell
  would interpret, or whose path leaves the tree, refuses the tarball (exit 2). Still, trust
  these inputs as you would a build: the headers' Makefiles run as you, and the compiler
  reads whatever the source's #include lines name. The compiler is the one the headers name
  (Debian 13's 6.12: gcc-14); on a release without it (Debian 12), run kmodx inside a root
  of the kernel's release, e.g. chroot into one made by debootstrap.

  Options
    -k, --kernel KERNEL             exactly two kernels: FROM and TO
        --types LABEL=PATH          type information for a kernel: .symtypes file or tree, raw BTF,
                                    vmlinux, vmlinuz, or the kernel's source tarball or tree
    -f, --format text|json|markdown --json = --format json (kmodx.why/1)
    -o, --output FILE, --force, --no-color

  Exit status
    0 changes found that explain the CRCs; 1 the CRCs are equal or nothing was found; 2 bad
    usage or input, or no type information; 70 internal error (a bug)
`,
	'weak-modules': `
  Usage
    $ kmodx weak-modules MODULE|DIR… --to KERNEL [--from KERNEL]

  Which modules built for one kernel can be reused on another as they are (RHEL's
  weak-modules --add-kernel --dry-run, decided by the full verdict). A module that needs a
  module being rebuilt needs a rebuild too.

${kernelLine}

  Options
        --to KERNEL                 the kernel to reuse the modules on
        --from KERNEL               the kernel they were built for (optional)
        --fail-on KINDS             what decides a rebuild (as check; weak-modules' own rule is
                                    crc,missing); unresolved: what makes an undecided one count
    -f, --format text|json|markdown --json = --format json (kmodx.weak-modules/1)
    -o, --output FILE, --force, --no-color

  Exit status
    0 every module can be reused; 1 some need a rebuild; 3 none does, but some are undecided;
    2 bad usage or input; 70 internal error (a bug)
`,
	hook: `
  Usage
    $ kmodx hook RELEASE [--from RUNNING] [--root DIR] [--strict]

  Run by a kernel's installation (hooks/ in the package: Debian's /etc/kernel/postinst.d, the
  kernel-install plugin of Fedora, RHEL, SUSE and Arch): checks the out-of-tree modules of the
  running kernel (lib/modules/RUNNING/updates, extra, weak-updates: DKMS, vendor and RHEL
  weak-updates modules) against the kernel RELEASE just installed, and prints which will not
  load and what to run. Where the new kernel already has a module of that name (DKMS built it
  first), that one is checked. Prints nothing when all load.

  Options
        --from RUNNING              the running kernel's release (default: KMODX_RUNNING_RELEASE,
                                    else uname -r)
        --root DIR                  the root the kernels are installed in (default /; KMODX_ROOT)
        --strict                    exit 1 when a module will not load, 2 on an error

  Exit status
    0 always, so that no kernel installation stops because of kmodx (an error is one line on
    stderr); with --strict: 0 all load, 1 some do not or are undecided, 2 bad usage or input
`,
};

const description = 'Will this kernel module load on that kernel? Checks modversions CRCs, vermagic, licenses and namespaces exactly as the kernel does.';

/** The help an invocation asks for (`--help` or `-h` before any `--`), or undefined; `fullHelp` is options.ts's help text. */
export function helpRequested(argv: string[], fullHelp: string): string | undefined {
	const options = argv.slice(0, argv.includes('--') ? argv.indexOf('--') : argv.length);
	if (!options.includes('--help') && !options.includes('-h')) {
		return undefined;
	}

	const command = argv[0];
	if (command === 'check' || command === 'plan' || command === 'why' || command === 'weak-modules' || command === 'hook') {
		return commandHelp[command].replace(/^\n/, '');
	}

	// As meow prints it: the description, then the help with its tab indentation as two spaces.
	return `\n  ${description}\n\n${fullHelp.replace(/^\n/, '').replace(/\s+$/, '').replaceAll(/^\t/gm, '  ')}\n\n`;
}
