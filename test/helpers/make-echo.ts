import {execFileSync} from 'node:child_process';
import {readFileSync, writeFileSync} from 'node:fs';
import path from 'node:path';

/*
An independent oracle for quoting: real make and the real /bin/sh read a generated Kbuild the
way kbuild does (the flags through make's filter-out, then unquoted into a recipe line) and
print the arguments the compiler would get, one per line.
*/
const makefile = `include Kbuild
_c_flags = $(filter-out $(ccflags-remove-y), $(ccflags-y))
_a_flags = $(filter-out $(asflags-remove-y), $(asflags-y))
all:
\t@printf '%s\\n' - $(_c_flags) > c.args; printf '%s\\n' - $(_a_flags) > a.args; printf '%s\\n' - $(obj-y) $(obj-m) > objects
`;

export type MadeArguments = {c: string[]; a: string[]; objects: string[]};

/** What make and the shell hand on from `kbuild` (the text of a Kbuild file), run in `directory` (which HOME and TMPDIR point at, too). */
export function argumentsThroughMake(kbuild: string, directory: string): MadeArguments {
	writeFileSync(path.join(directory, 'Kbuild'), kbuild);
	writeFileSync(path.join(directory, 'Makefile'), makefile);
	execFileSync('make', ['-s', '-r', '-R', '-C', directory, '-f', 'Makefile'], {
		stdio: 'pipe', timeout: 20_000, env: {PATH: process.env['PATH'] ?? '/usr/bin:/bin', HOME: directory, TMPDIR: directory, LC_ALL: 'C'},
	});
	const read = (name: string) => readFileSync(path.join(directory, name), 'latin1').split('\n').slice(1, -1);
	return {c: read('c.args'), a: read('a.args'), objects: read('objects')};
}
