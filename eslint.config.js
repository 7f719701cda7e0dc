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
  { files: ['daemon/web/**/*.ts'], languageOptions: { globals: { ...globals.browser } } },
);
