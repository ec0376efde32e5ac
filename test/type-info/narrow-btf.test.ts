import test from 'ava';
import {definedOf} from '../../source/type-info/narrow-btf.js';

test('the BTF narrowing note agrees in number: "1 … is defined", "3 … are defined"', t => {
	t.is(definedOf(1, 44), '1 of the 44 candidate types is defined');
	t.is(definedOf(3, 44), '3 of the 44 candidate types are defined');
	t.is(definedOf(0, 1), '0 of the 1 candidate type are defined');
});
