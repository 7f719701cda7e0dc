// Chinese for the site config's errors and warnings (English: protocol/reasons/configEn.ts).
import type { CONFIG_REASONS_EN } from '../../../../protocol/reasons/configEn.js';

export const configZh: Record<keyof typeof CONFIG_REASONS_EN, string> = {};
