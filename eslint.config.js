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
  // Type-aware rules: a promise nobody awaits, returns or marks `void` loses its rejection.
  {
    files: ['**/*.ts', '**/*.tsx'],
    languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname } },
    rules: { '@typescript-eslint/no-floating-promises': 'error' },
  },
  // Tests read untyped JSON-RPC replies and peer output; `any` there is a reading aid, not a design.
  {
    files: ['tests/**/*.ts', '**/*.test.ts', '**/*.test.tsx', 'bench/**/*.ts'],
    rules: { '@typescript-eslint/no-explicit-any': 'off' },
  },
  { files: ['daemon/web/**/*.ts'], languageOptions: { globals: { ...globals.browser } } },
  ...layering(),
);

// Imports point one way: api → scheduler → conference → sip, media, health → store → config, and
// protocol/ (the control API's contract) below them all; the CLI knows only protocol/. Lower layers
// report upward by events. Each folder gets exactly one entry here (a later flat-config entry would
// replace an earlier one's options, not add to them). tests/unit/lint-layering.test.ts plants
// upward imports and expects this rule to refuse them.
function layering() {
  // a folder of a higher layer, or the daemon's top-level assembly (Daemon, layers, main)
  const above = (...dirs) => `(^|/)(${dirs.join('|')})/|(^|/)\\.\\./(Daemon|layers|main)\\.js$`;
  const rule = (files, regex, why) => ({
    files,
    rules: {
      'no-restricted-imports': ['error', { patterns: [{ regex, message: `layering (eslint.config.js): ${why}` }] }],
    },
  });
  const top = ['conference', 'scheduler', 'api', 'web', 'reports', 'cli'];
  return [
    rule(['protocol/**'], '^(?!\\./)', 'protocol/ is the leaf contract: it imports nothing but its own files'),
    rule(
      ['cli/**'],
      above('daemon'),
      'the CLI talks to the daemon only through the control API: import protocol/, never daemon/',
    ),
    rule(['daemon/util/**'], above('config', 'store', 'sip', 'media', 'health', ...top), 'util/ is below every layer'),
    rule(['daemon/config/**'], above('store', 'sip', 'media', 'health', ...top), 'config is the bottom layer'),
    rule(['daemon/store/**'], above('sip', 'media', 'health', ...top), 'store sits below sip, media and health'),
    rule(
      ['daemon/sip/**'],
      above('media', 'health', ...top),
      'sip never imports media, health or the layers above; report upward by events',
    ),
    rule(
      ['daemon/media/**'],
      above('sip', 'health', ...top),
      'media never imports sip, health or the layers above; report upward by events',
    ),
    rule(
      ['daemon/health/**'],
      above('sip', 'media', ...top),
      'health never imports sip, media or the layers above; report upward by events',
    ),
    rule(
      ['daemon/conference/**'],
      above('scheduler', 'api', 'web', 'reports', 'cli'),
      'conference never imports scheduler, api, web or reports',
    ),
    rule(
      ['daemon/scheduler/**', 'daemon/reports/**'],
      above('api', 'web', 'cli'),
      'scheduler and reports never import api or web',
    ),
    rule(['daemon/web/**'], above('scheduler', 'cli'), 'web never imports the scheduler or the CLI'),
  ];
}
