// English templates of the site config's errors and warnings (daemon/config: loading, schema, cross-field rules).
// Part of REASONS_EN (../reasonsEn.ts); the same rules hold: add a key rather than reword an old one.
export const CONFIG_REASONS_EN = {} as const;
