#!/usr/bin/env node
// Seeded random wildcard patterns and names, one `NAME\x01PATTERN` a line, over the characters
// that matter to wildmat (classes with ^ ! ] -, reversed and chained ranges, escapes, a trailing \).
// Usage: wildmat-pairs.js SEED COUNT [MAX_PARTS MAX_NAME_LENGTH]
import process from 'node:process';

let seed = Number(process.argv[2] ?? 1);
const count = Number(process.argv[3] ?? 20_000);
const maximumParts = Number(process.argv[4] ?? 6);
const maximumNameLength = Number(process.argv[5] ?? 8);
// A linear congruential generator: the same pairs on every machine.
const random = limit => {
	seed = ((seed * 1_103_515_245) + 12_345) % 2_147_483_648;
	return seed % limit;
};

const pick = items => items[random(items.length)];
const parts = ['a', 'b', 'c', '_', '!', '^', '-', '*', '*', '?', '[ab]', '[!a]', '[^b]', '[a-b]', '[]a]', '[^]c]', '[-a]', '[a-]', '[a-c-e]', '[c-a]', '[!]', '[\\]', '[^-]', '[a^]', '\\*', '\\a', '\\?', '\\[', 'ab', 'a*', '*b'];
const characters = ['a', 'b', 'c', 'd', 'e', '_', ']', '-', '!', '^', '\\', '*', '?', '['];
const lines = [];
for (let index = 0; index < count; index++) {
	let pattern = Array.from({length: 1 + random(maximumParts)}, () => pick(parts)).join('');
	if (random(50) === 0) {
		pattern += '\\';
	}

	const name = Array.from({length: random(maximumNameLength)}, () => pick(characters)).join('');
	lines.push(`${name}\u0001${pattern}\n`);
}

process.stdout.write(lines.join(''));
