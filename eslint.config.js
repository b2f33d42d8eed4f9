// @ts-check
const js = require('@eslint/js');
const tseslint = require('typescript-eslint');
const packageBoundaries = require('./eslint-rules/package-boundaries');

module.exports = tseslint.config(
  { ignores: ['**/dist/**', '**/node_modules/**', '**/coverage/**', 'reports/**', '.nx/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    files: ['**/*.ts'],
    rules: {
      '@typescript-eslint/no-explicit-any': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
    },
  },
  {
    // Dependencies point down the layers and go through package names (docs/architecture.md section 2).
    files: ['**/*.{ts,js}'],
    plugins: { 'moe-zoo': { rules: { 'package-boundaries': packageBoundaries } } },
    rules: { 'moe-zoo/package-boundaries': 'error' },
  },
  {
    files: ['**/*.js'],
    languageOptions: {
      sourceType: 'commonjs',
      globals: {
        require: 'readonly',
        module: 'writable',
        process: 'readonly',
        console: 'readonly',
        __dirname: 'readonly',
      },
    },
    rules: { '@typescript-eslint/no-require-imports': 'off' },
  },
);
