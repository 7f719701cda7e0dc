import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import globals from 'globals';

export default tseslint.config(
  { ignores: ['node_modules/**', 'dist/**', 'daemon/web/dist/**', 'patches/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { globals: { ...globals.node } },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      // an empty catch hides failures; say why when one is really meant to ignore
      'no-empty': ['error', { allowEmptyCatch: false }],
    },
  },
  // Tests read untyped JSON-RPC replies and peer output; `any` there is a reading aid, not a design.
  { files: ['tests/**/*.ts', '**/*.test.ts', '**/*.test.tsx', 'bench/**/*.ts'], rules: { '@typescript-eslint/no-explicit-any': 'off' } },
  { files: ['daemon/web/**/*.ts'], languageOptions: { globals: { ...globals.browser } } },
);
