// ESLint flat config: typescript-eslint's recommended rules for src, test, bench and scripts, plus the
// architecture rule that the core, integrations, webview and protocol layers never import 'vscode'
// (they run and are unit-tested outside the extension host; only the adapters and src/extension.ts do).
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

const nodeGlobals = Object.fromEntries(
  [
    'process', 'console', 'Buffer', 'URL', 'URLSearchParams', 'setTimeout', 'clearTimeout', 'setInterval',
    'clearInterval', 'setImmediate', 'clearImmediate', 'queueMicrotask', 'structuredClone', 'fetch',
    'AbortController', 'AbortSignal', 'TextEncoder', 'TextDecoder', 'performance', 'globalThis',
    '__dirname', '__filename', 'require', 'module', 'exports',
  ].map((name) => [name, 'readonly']),
);
const browserGlobals = Object.fromEntries(['window', 'document', 'navigator', 'HTMLElement'].map((n) => [n, 'readonly']));
const mochaGlobals = Object.fromEntries(
  ['describe', 'it', 'before', 'after', 'beforeEach', 'afterEach', 'suite', 'test', 'setup', 'teardown', 'suiteSetup', 'suiteTeardown'].map(
    (n) => [n, 'readonly'],
  ),
);

export default tseslint.config(
  { ignores: ['dist/**', 'out/**', 'node_modules/**', '.vscode-test/**', '.test-host/**', 'test-results/**', 'bench/results/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    files: ['**/*.{ts,mts,cts,js,mjs,cjs}'],
    languageOptions: {
      ecmaVersion: 2022,
      sourceType: 'module',
      globals: { ...nodeGlobals, ...mochaGlobals },
    },
    rules: {
      // Pragmatic: `_`-prefixed parameters and variables are intentionally unused.
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrors: 'none' }],
      '@typescript-eslint/no-explicit-any': 'warn',
      'no-empty': ['error', { allowEmptyCatch: true }],
    },
  },
  {
    // Plain JavaScript (scripts, CommonJS test runners): require() is normal there.
    files: ['**/*.{js,cjs}'],
    languageOptions: { sourceType: 'commonjs' },
    rules: { '@typescript-eslint/no-require-imports': 'off' },
  },
  {
    // Tests and benchmarks may require() (fresh module instances, lazy fixtures).
    files: ['test/**', 'bench/**'],
    rules: { '@typescript-eslint/no-require-imports': 'off' },
  },
  {
    // Code the UI tests evaluate in the browser page.
    files: ['test/ui/**/*.mjs'],
    languageOptions: { globals: { ...nodeGlobals, ...browserGlobals } },
  },
  {
    files: ['src/core/**', 'src/integrations/**', 'src/webview/**', 'src/protocol/**'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: [{ name: 'vscode', message: "core, integrations, webview and protocol code must not import 'vscode': only the adapters and src/extension.ts do." }],
        },
      ],
      '@typescript-eslint/no-restricted-imports': 'off',
    },
  },
);
