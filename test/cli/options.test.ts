import test from 'ava';
import {fastParse, parseWithMeow} from '../../source/cli/options.js';

const agree = [
	['check', 'a.ko'],
	['check', 'a.ko', 'b.ko', '-k', '47=/x/Module.symvers', '-k', '/y'],
	['a.ko', '--kernel', 'x', '--kernel=y', '--json', '-o', 'out.json', '--force'],
	['check', 'dir', '-f', 'markdown', '--missing-version', 'warn', '--explain', '--types', 'a=b.btf', '--types=c=d.symtypes'],
	['why', 'module_layout', '-k', 'a', '-k', 'b', '--format=json'],
	['-k', 'a', '-k', 'b'],
	['check', 'dir', '-k', 'a', '-k', 'b', '--fail-on', 'crc,missing', '--layout', 'matrix'],
	['plan', 'm.ko', '-k', 'a', '-k', 'b', '--json', '--explain'],
	['weak-modules', 'dir', '--from', 'a', '--to=b', '--fail-on=none'],
	[],
];

for (const argv of agree) {
	test(`the fast parser and meow agree: ${argv.join(' ') || '(nothing)'}`, async t => {
		const fast = fastParse(argv);
		t.truthy(fast);
		t.deepEqual(fast, await parseWithMeow(argv));
	});
}

test('everything else goes to meow: help, version, negations, unknown flags, bad choices', t => {
	for (const argv of [['--help'], ['--version'], ['a.ko', '--no-color'], ['a.ko', '--frobnicate'], ['a.ko', '-f', 'yaml'], ['a.ko', '--missing-version', 'maybe'], ['a.ko', '--json=yes'], ['a.ko', '--layout', 'grid']]) {
		t.is(fastParse(argv), undefined, argv.join(' '));
	}
});
