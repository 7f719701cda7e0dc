// 普通命令的中文（status、endpoints、conf、schedule ……），按领域分在 commands/*Zh.ts。键与 cliEn.ts
// 一一对应（类型检查保证），占位符一致（测试保证）。
import type { cliEn } from './cliEn.js';
import { confZh } from './commands/confZh.js';
import { multiviewZh } from './commands/multiviewZh.js';
import { opsZh } from './commands/opsZh.js';
import { reportZh } from './commands/reportZh.js';
import { scheduleZh } from './commands/scheduleZh.js';
import { wordsZh } from './commands/wordsZh.js';

/** Object.assign rather than spread (see cliEn). */
export const cliZh: Record<keyof typeof cliEn, string> = Object.assign(
  {},
  wordsZh,
  confZh,
  multiviewZh,
  scheduleZh,
  opsZh,
  reportZh,
);
