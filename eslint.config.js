// @ts-check
import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import globals from 'globals';

const CLI_IMPORT_MESSAGE =
  'the command line imports nodupe only from the library entry (src/index.ts): import this from INDEX, ' +
  'exporting it there (in its area) if it is not yet; move logic a server would need too into the library first';

/**
 * The rules that hold `files` (at `up` below src/) to src/index.ts: static imports and re-exports
 * (no-restricted-imports) and `import()` (no-restricted-syntax) of anything up there but the index.
 */
function cliThroughIndex(files, up, ignores = []) {
  const message = CLI_IMPORT_MESSAGE.replace('INDEX', `'${up}index.js'`);
  const above = `^${up.replaceAll('.', '\\.')}(?!index\\.js$)`;
  return [
    {
      files: [files],
      ignores: ['src/cli/**/*.test.ts', ...ignores],
      rules: {
        'no-restricted-imports': ['error', { patterns: [{ regex: above, message }] }],
        'no-restricted-syntax': [
          'error',
          {
            // esquery's regular expressions take no '/': \x2F stands for it.
            selector: `ImportExpression[source.value=/${above.replaceAll('/', '\\x2F')}/]`,
            message,
          },
        ],
      },
    },
  ];
}

export default tseslint.config(
  { ignores: ['dist/', 'coverage/', 'bench/out/', 'node_modules/'] },
  js.configs.recommended,
  ...tseslint.configs.strictTypeChecked,
  {
    languageOptions: {
      globals: globals.node,
      parserOptions: {
        projectService: { allowDefaultProject: ['*.js', 'bin/*.js', 'test/fixtures/*.mjs', 'bench/*.mjs'] },
      },
    },
    rules: {
      '@typescript-eslint/restrict-template-expressions': ['error', { allowNumber: true }],
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_' }],
      // With noUncheckedIndexedAccess, `!` marks an index the code has just checked; it stays allowed.
      '@typescript-eslint/no-non-null-assertion': 'off',
      '@typescript-eslint/no-confusing-void-expression': 'off',
    },
  },
  // The review page runs in a browser.
  { files: ['src/page/**/*.ts'], languageOptions: { globals: globals.browser } },
  // One library, two faces: the command line reaches nodupe's code only through the library's public entry,
  // src/index.ts, as the server does (imports between src/cli/ files, node: and packages are free).
  ...cliThroughIndex('src/cli/*.ts', '../'),
  ...cliThroughIndex('src/cli/commands/**/*.ts', '../../'),
  {
    files: ['**/*.js', '**/*.mjs'],
    ...tseslint.configs.disableTypeChecked,
  },
);
