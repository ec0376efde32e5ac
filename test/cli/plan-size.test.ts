import {spawnSync} from 'node:child_process';
import {readFileSync} from 'node:fs';
import {readGzipText, temporaryDirectory, writeTemporary} from '../helpers/derive.js';
import {needs, oracleProgram} from '../helpers/oracles.js';
import {fixture} from '../helpers/paths.js';
import {runCli} from '../helpers/run-cli.js';

/*
A plan whose size the input controls: 200,000 symbols that split two kernels. The text plan
spread them into Math.max() and push(), which overflowed the stack, and `kmodx plan` exited 2
"the input is too large to report on". The inputs are derived from real files: my_drv.ko with
200,000 more `__versions` entries (its own, each name suffixed, its CRC kept), and Debian
6.1.0-47's Module.symvers with and without exports of those names.
*/

const count = 200_000;

/** The records of `__versions` (64 bytes: an 8-byte CRC, then the NUL-padded name) of an ELF64 little-endian module. */
function versionsSection(data: Buffer): {header: number; offset: number; size: number} {
	const sectionHeaders = Number(data.readBigUInt64LE(0x28));
	const entrySize = data.readUInt16LE(0x3A);
	const sections = data.readUInt16LE(0x3C);
	const namesSection = data.readUInt16LE(0x3E);
	const namesOffset = Number(data.readBigUInt64LE(sectionHeaders + (namesSection * entrySize) + 0x18));
	for (let index = 0; index < sections; index++) {
		const header = sectionHeaders + (index * entrySize);
		const nameAt = namesOffset + data.readUInt32LE(header);
		if (data.toString('latin1', nameAt, data.indexOf(0, nameAt)) === '__versions') {
			return {header, offset: Number(data.readBigUInt64LE(header + 0x18)), size: Number(data.readBigUInt64LE(header + 0x20))};
		}
	}

	throw new Error('no __versions section');
}

/**
my_drv.ko with `extra` more __versions records, derived from its own: the whole section is
copied to the end of the file with the new records after it, and its section header points
there. Nothing else moves, so every other offset stays valid.
*/
function withMoreVersions(data: Buffer, extra: number): {module: Buffer; names: string[]} {
	const {header, offset, size} = versionsSection(data);
	const own = data.subarray(offset, offset + size);
	const records = Buffer.alloc(extra * 64);
	const names: string[] = [];
	for (let index = 0; index < extra; index++) {
		const real = own.subarray((index % (size / 64)) * 64, ((index % (size / 64)) + 1) * 64);
		const name = `${real.toString('latin1', 8, real.indexOf(0, 8))}_${index}`;
		names.push(name);
		real.copy(records, index * 64, 0, 8);
		records.write(name, (index * 64) + 8, 'latin1');
	}

	// Sections are aligned (__versions to 32): the copy starts at a multiple of 64.
	const padding = Buffer.alloc((64 - (data.length % 64)) % 64);
	const module = Buffer.concat([data, padding, own, records]);
	module.writeBigUInt64LE(BigInt(data.length + padding.length), header + 0x18);
	module.writeBigUInt64LE(BigInt(size + records.length), header + 0x20);
	return {module, names};
}

needs('modprobe')(`kmodx plan of a module whose ${count.toLocaleString('en-US')} imports split two kernels prints the plan (text, Markdown, JSON) and agrees with modprobe --dump-modversions`, t => {
	const directory = temporaryDirectory(t, 'plan-size');
	const {module, names} = withMoreVersions(readFileSync(fixture('modules', 'my_drv-6.1.0-47-amd64.ko')), count);
	const file = writeTemporary(directory, 'my_drv.ko', module);
	const symvers = readGzipText(fixture('kernels', '6.1.0-47-amd64', 'Module.symvers.gz'));
	const more = writeTemporary(directory, 'more/Module.symvers', symvers + names.map(name => `0x00000001\t${name}\tvmlinux\tEXPORT_SYMBOL\t\n`).join(''));
	const plain = writeTemporary(directory, 'plain/Module.symvers', symvers);

	// The derived module is what the kernel's own tool reads: every added record, with its CRC.
	const dumped = spawnSync(oracleProgram('modprobe'), ['--dump-modversions', file], {encoding: 'utf8', maxBuffer: 64 * 1024 * 1024}).stdout.trim().split('\n').map(line => line.split('\t')[1]!);
	const added = new Set(names);
	t.is(dumped.filter(name => added.has(name)).length, count);
	// Splitting: present in one Module.symvers and not the other (or with another CRC), as the reference reads them.
	const table = (text: string) => new Map(text.split('\n').map(line => line.split('\t')).map(([crc, name]) => [name, crc]));
	const [tableMore, tablePlain] = [table(readFileSync(more, 'latin1')), table(symvers)];
	const splitting = dumped.filter(name => tableMore.get(name) !== tablePlain.get(name));
	t.is(splitting.length, count);

	const text = runCli(['plan', file, '-k', `more=${more}`, '-k', `plain=${plain}`]);
	t.is(text.stderr, '');
	t.is(text.code, 1);
	t.true(text.stdout.includes(`Symbols that split the kernels (${count}):`));
	const listed = text.stdout.split('\n').filter(line => /^ {2}\S+ +0x00000001 +missing$/.test(line)).map(line => line.trim().split(/\s+/)[0]!);
	t.deepEqual(listed.sort(), splitting.sort());

	const markdown = runCli(['plan', file, '-k', `more=${more}`, '-k', `plain=${plain}`, '--format', 'markdown']);
	t.is(markdown.code, 1, markdown.stderr);
	t.true(markdown.stdout.includes(`\`${names.at(-1)!}\``));

	const json = runCli(['plan', file, '-k', `more=${more}`, '-k', `plain=${plain}`, '--json']);
	t.is(json.code, 1, json.stderr);
	t.is((JSON.parse(json.stdout) as {splitting_symbols: unknown[]}).splitting_symbols.length, count);
});
