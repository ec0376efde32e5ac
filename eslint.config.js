// The lint step of `npm test`. Set to the style the code already has: it finds mistakes, it does
// not reformat. Every `eslint-disable` must suppress something (reportUnusedDisableDirectives).
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
		},
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
