// The lint step of `npm test`: mistakes, and the one format the code is written in (@stylistic,
// the formatter: `npm run format` rewrites what it can). Every `eslint-disable` must suppress
// something (reportUnusedDisableDirectives).
import stylistic from '@stylistic/eslint-plugin';
import js from '@eslint/js';
import react from 'eslint-plugin-react';
import reactHooks from 'eslint-plugin-react-hooks';
import globals from 'globals';
import tseslint from 'typescript-eslint';

export default tseslint.config(
	{ignores: ['build/', 'node_modules/', 'media/']},
	js.configs.recommended,
	tseslint.configs.recommended,
	{
		linterOptions: {reportUnusedDisableDirectives: 'error'},
		languageOptions: {globals: globals.node},
		rules: {
			// Sequential awaits are the exception (memory bounds, order): each one says why.
			'no-await-in-loop': 'error',
			// `catch {}` is how the code ignores a failed cleanup or probe.
			'no-empty': ['error', {allowEmptyCatch: true}],
			'@typescript-eslint/no-unused-vars': ['error', {varsIgnorePattern: '^_', ignoreRestSiblings: true}],
			// `f(...list)` passes each item as an argument, and V8 overflows its stack near 120,000 of
			// them: `Math.max(...widths)` of 200,000 rows exits with "too large". A list whose length is
			// fixed or small by construction says so with an `eslint-disable-next-line` and why.
			'no-restricted-syntax': ['error',
				{selector: 'CallExpression > SpreadElement', message: 'Spreading a list into a call overflows the stack for input-sized lists (~120,000 items): loop, reduce, or concat instead; for a list small by construction, disable this line and say why.'},
				{selector: 'NewExpression > SpreadElement', message: 'Spreading a list into a constructor overflows the stack for input-sized lists (~120,000 items): loop instead; for a list small by construction, disable this line and say why.'},
			],
		},
	},
	{
		// The format: tabs, single quotes, semicolons, dangling commas in
		// multi-line lists, and one statement per line,
		// and no line of code a reader has to scroll sideways for (a long message may run on).
		plugins: {'@stylistic': stylistic},
		rules: {
			'@stylistic/indent': ['error', 'tab', {SwitchCase: 1, flatTernaryExpressions: true, offsetTernaryExpressions: false}],
			'@stylistic/quotes': ['error', 'single', {avoidEscape: true}],
			'@stylistic/semi': ['error', 'always'],
			'@stylistic/comma-dangle': ['error', 'always-multiline'],
			'@stylistic/no-trailing-spaces': 'error',
			'@stylistic/no-multiple-empty-lines': ['error', {max: 1, maxBOF: 0, maxEOF: 0}],
			'@stylistic/eol-last': 'error',
			'@stylistic/brace-style': ['error', '1tbs', {allowSingleLine: true}],
			'@stylistic/keyword-spacing': 'error',
			'@stylistic/space-infix-ops': 'error',
			'@stylistic/comma-spacing': 'error',
			'@stylistic/key-spacing': 'error',
			'@stylistic/arrow-spacing': 'error',
			'@stylistic/space-before-blocks': 'error',
			'@stylistic/no-mixed-spaces-and-tabs': 'error',
			'@stylistic/max-len': ['error', {code: 250, tabWidth: 4, ignoreUrls: true, ignoreRegExpLiterals: true, ignoreStrings: true, ignoreTemplateLiterals: true}],
			'@stylistic/max-statements-per-line': ['error', {max: 2}],
		},
	},
	{
		// A function over 80 lines says why it is one (an eslint-disable with its reason).
		files: ['source/**', 'test/**', 'bench/**', 'scripts/**'],
		rules: {'max-lines-per-function': ['error', {max: 80, skipBlankLines: true, skipComments: true}]},
	},
	{
		// Tests and benchmarks spread fixed argument lists (path parts, key presses).
		files: ['test/**', 'bench/**'],
		rules: {'no-restricted-syntax': 'off'},
	},
	{
		// Everywhere: a function named use… is a hook (none outside the explorer is), the rest is not.
		files: ['**/*.ts', '**/*.tsx'],
		plugins: {react, 'react-hooks': reactHooks},
		settings: {react: {version: '19'}},
		rules: {
			'react-hooks/rules-of-hooks': 'error',
			'react-hooks/exhaustive-deps': 'error',
			'react/jsx-key': 'error',
			'react/no-array-index-key': 'error',
		},
	},
);
