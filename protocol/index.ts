// The control API's contract, one import for both ends: `import type { ... } from '../protocol/index.js'`.
export * from './rpc.js';
export * from './methods.js';
export * from './notifications.js';
export type * from './daemon.js';
export type * from './endpoints.js';
export type * from './conferences.js';
export type * from './schedules.js';
export type * from './reports.js';
export * from './reasons.js';
export type * from './recordings.js';
