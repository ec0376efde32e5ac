import {readdirSync} from 'node:fs';
import path from 'node:path';
import test from 'ava';
import {kbuildFile} from '../../source/kbuild/kbuild-symtypes.js';
import {isKbuildName, kbuildWord} from '../../source/kbuild/kbuild-word.js';
import {temporaryDirectory} from '../helpers/derive.js';
import {argumentsThroughMake} from '../helpers/make-echo.js';

const printable = Array.from({length: 0x7F - 0x20}, (_, index) => String.fromCodePoint(0x20 + index));

test('kbuildWord: every word it gives reaches the compiler unchanged through real make and /bin/sh, and nothing runs', t => {
	const directory = temporaryDirectory(t);
	const canary = path.join(directory, 'canary');
	const values = [
		// Every printable character, inside a definition and at its end.
		...printable.flatMap(char => [`-DX=a${char}b`, `-DX=a${char}`]),
		// Real flags: drivers/crypto/intel/iaa/Makefile (6.13), lib/Makefile's pr_fmt style, a headers path.
		'-DDEFAULT_SYMBOL_NAMESPACE="CRYPTO_DEV_IAA_CRYPTO"', '-Dpr_fmt(fmt)=KBUILD_MODNAME ": " fmt', '-I/srv/headers-6.1.0-47-common/include/linux/mlx5',
		// What a hostile Makefile would like to run.
		`-I/x\`touch ${canary}\``, `-include/x$(shell touch ${canary})`, `-DX=$$(touch ${canary})`, `-DX;touch ${canary}`, `-DX|touch ${canary}`, `-DX&&touch ${canary}`,
		`-DX=$(file >${canary},x)`, `-DX='$(shell touch ${canary})'`, `-DX\\\ntouch ${canary}`, `-DX\ntouch ${canary}`, '-DX # comment', `-DX=' ; touch ${canary} '`,
		'-DX="a  b"', ' -DX', '-DX ', '-DX=\u00E9', '-DX=\t', '-DX=\u0007',
	];
	const accepted = values.flatMap(value => {
		const word = kbuildWord(value);
		return word === undefined ? [] : [{value, word}];
	});
	const made = argumentsThroughMake(`ccflags-y += ${accepted.map(({word}) => word).join(' ')}\nasflags-y += ${accepted.map(({word}) => word).join(' ')}\n`, directory);
	t.deepEqual(made.c, accepted.map(({value}) => value));
	t.deepEqual(made.a, accepted.map(({value}) => value));
	t.deepEqual(readdirSync(directory).sort(), ['Kbuild', 'Makefile', 'a.args', 'c.args', 'objects'], 'no command ran');
	// What it refuses: exactly the characters make or the shell read as syntax, and what is not ASCII.
	const refused = printable.filter(char => kbuildWord(`-DX=a${char}b`) === undefined).join('');
	t.is(refused, '!#$%&\'*;<>?[\\]^`{|}~');
	t.is(kbuildWord('-DX=a\u00E9b'), undefined);
	t.is(kbuildWord('-DX=a\u0085b'), undefined);
	t.is(kbuildWord(''), undefined);
});

test('kbuildFile: the object and the flags of a unit, as make and the shell will pass them', t => {
	const directory = temporaryDirectory(t);
	const flags = [
		{option: '-I', value: 'drivers/net/wireless/intel/iwlwifi', base: 'tree'},
		{option: '-I', value: 'include/linux/mlx5', base: 'headers'},
		{option: '-D', value: 'DEFAULT_SYMBOL_NAMESPACE="USB_STORAGE"'},
		{option: '-include', value: 'drivers/char/x.h', base: 'tree'},
	] as const;
	const text = kbuildFile({source: 'drivers/char/misc.c', module: false, flags, quoteDirectories: ['include/trace']}, {tree: '/tmp/kmodx-kbuild-a1', headers: '/srv/headers-6.1.0-47-common'});
	const made = argumentsThroughMake(text, directory);
	t.deepEqual(made.c, ['-I/tmp/kmodx-kbuild-a1/drivers/net/wireless/intel/iwlwifi', '-I/srv/headers-6.1.0-47-common/include/linux/mlx5', '-DDEFAULT_SYMBOL_NAMESPACE="USB_STORAGE"', '-include/tmp/kmodx-kbuild-a1/drivers/char/x.h', '-iquote/tmp/kmodx-kbuild-a1/include/trace']);
	t.deepEqual(made.objects, ['misc.o']);
	t.throws(() => kbuildFile({source: 'drivers/char/$(shell id).c', module: false}, {tree: '/t', headers: '/h'}), {message: /refused: kbuild would read this file name as make or shell syntax/});
	t.throws(() => kbuildFile({source: 'drivers/char/misc.c', module: false, flags: [{option: '-I', value: 'x', base: 'tree'}]}, {tree: '/tmp/a b$(x)', headers: '/h'}), {message: /refused the flag "-I\/tmp\/a b\$\(x\)\/x"/});
});

test('isKbuildName: tree-relative names kbuild may use unquoted', t => {
	for (const name of ['drivers/char/misc.c', 'arch/x86/lib/memcpy_64.S', 'drivers/net/ethernet/8390/8390.c', 'lib/zstd/common/zstd_common.c', 'fs/ntfs3/lib/decompress_common.c', 'a,b+c.c']) {
		t.true(isKbuildName(name), name);
	}

	for (const name of ['drivers/char/$(shell id).c', 'drivers/char/`id`.c', 'drivers/char/a b.c', 'drivers/-f.c', '../x.c', 'drivers/.hidden.c', '/etc/x.c', 'a;b.c', 'a=b.c', 'a:b.c', 'a%b.c', 'a\nb.c', 'a\u00E9.c', '']) {
		t.false(isKbuildName(name), JSON.stringify(name));
	}
});
