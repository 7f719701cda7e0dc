import type { Command } from 'commander';

/** Commands added by later layers (endpoints, conf, schedule, cdr, console, report). */
export const commands: Command[] = [];
