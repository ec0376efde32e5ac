import {execFileSync} from 'node:child_process';
import {appendFileSync, mkdirSync} from 'node:fs';
import path from 'node:path';
import {fixture} from './paths.js';

/*
Hostile kernel source tarballs, derived from the real one of 6.1.170 (test/fixtures/kernel-source):
unpacked, edited, packed again as a plain tar, the way an attacker would hand one over.
*/

export const realSource = fixture('kernel-source/linux-source-6.1.170-3.tar.xz');

/** The real tarball with `edit` applied to its unpacked tree (`linux-source-6.1/`), as `<directory>/<name>.tar`. */
export function editedSource(directory: string, name: string, edit: (tree: string) => void): string {
	const work = path.join(directory, `${name}.d`);
	mkdirSync(work, {recursive: true});
	execFileSync('tar', ['-xJf', realSource, '-C', work]);
	edit(path.join(work, 'linux-source-6.1'));
	const tarball = path.join(directory, `${name}.tar`);
	execFileSync('tar', ['-cf', tarball, '-C', work, 'linux-source-6.1']);
	return tarball;
}

/** The real tarball with `line` appended to drivers/char/Makefile (which builds misc.c, misc_register's file). */
export function sourceWithMakefileLine(directory: string, name: string, line: string): string {
	return editedSource(directory, name, tree => {
		appendFileSync(path.join(tree, 'drivers/char/Makefile'), `${line}\n`);
	});
}
