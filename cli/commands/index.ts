import type { Command } from 'commander';
import { cdr } from './cdr.js';
import { conf } from './conf.js';
import { consoleCommand } from './console.js';
import { endpoint } from './endpoint.js';
import { endpoints } from './endpoints.js';
import { report } from './report.js';
import { schedule } from './schedule.js';
import { template } from './template.js';
import { calendar } from './calendar.js';
import { recordings } from './recordings.js';

/** Commands added by later layers (endpoints, conf, schedule, template, cdr, console, report). */
export const commands: Command[] = [
  consoleCommand,
  endpoints,
  endpoint,
  schedule,
  calendar,
  conf,
  template,
  cdr,
  report,
  recordings,
];
