// The plain commands' words (status, endpoints, conf, schedule, …), English, one module an area
// (commands/*En.ts); cliZh.ts translates every key with the same placeholders. Console words are in
// en.ts; daemon reasons in protocol/.
import { confEn } from './commands/confEn.js';
import { multiviewEn } from './commands/multiviewEn.js';
import { opsEn } from './commands/opsEn.js';
import { reportEn } from './commands/reportEn.js';
import { scheduleEn } from './commands/scheduleEn.js';
import { wordsEn } from './commands/wordsEn.js';

/** Object.assign rather than spread: V8 spreads a large object key by key, slowly (see REASONS_EN). */
export const cliEn: typeof wordsEn &
  typeof confEn &
  typeof multiviewEn &
  typeof scheduleEn &
  typeof opsEn &
  typeof reportEn = Object.assign({}, wordsEn, confEn, multiviewEn, scheduleEn, opsEn, reportEn);
