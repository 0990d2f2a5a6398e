// Lint: typescript-eslint's recommended rules everywhere, plus the purity rule for the core
// (DESIGN.md §1: src/core does no I/O and reads no ambient time or randomness).
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

const ambient = 'src/core is pure: take `now` and an Rng as parameters (DESIGN.md §1).';

export default tseslint.config(
  { ignores: ['node_modules/**', 'dist/**', 'web/dist/**', 'artifacts/**', '.fairway/**', 'coverage/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { globals: { console: 'readonly', process: 'readonly', Buffer: 'readonly', setTimeout: 'readonly', clearTimeout: 'readonly', setInterval: 'readonly', clearInterval: 'readonly', URL: 'readonly', performance: 'readonly', fetch: 'readonly', AbortController: 'readonly', TextEncoder: 'readonly', TextDecoder: 'readonly', queueMicrotask: 'readonly', setImmediate: 'readonly', structuredClone: 'readonly' } },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrorsIgnorePattern: '^_' }],
      'no-empty': ['error', { allowEmptyCatch: false }],
    },
  },
  {
    files: ['src/core/**/*.ts'],
    ignores: ['src/core/**/*.test.ts'],
    rules: {
      'no-restricted-globals': ['error',
        { name: 'Date', message: ambient }, { name: 'process', message: ambient },
        { name: 'setTimeout', message: ambient }, { name: 'setInterval', message: ambient },
        { name: 'setImmediate', message: ambient }, { name: 'performance', message: ambient },
        { name: 'fetch', message: ambient }, { name: 'require', message: ambient }],
      'no-restricted-properties': ['error', { object: 'Math', property: 'random', message: ambient }],
      'no-restricted-imports': ['error', { patterns: [
        { group: ['node:*', 'fs', 'path', 'os', 'crypto', 'child_process', 'http', 'net', 'worker_threads'], message: ambient },
        { group: ['**/runtime/**', '**/sim/**', '**/server/**', '**/agent/**', '**/grid/**', '**/cli/**', '**/sdk/**', '**/wire/**'], message: 'src/core imports only src/core (DESIGN.md §3).' },
      ] }],
    },
  },
);
