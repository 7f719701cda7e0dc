// The daemon's own methods: status, the audit log, notification subscriptions.
import type { EndpointState } from './endpoints.js';
import type { Role } from './rpc.js';

export interface StatusResult {
  site: string;
  version: string;
  pid: number;
  startedAt: string;
  uptimeSeconds: number;
  timezone: string;
  api: { url: string };
  endpoints: { total: number; byState: Record<EndpointState, number> };
  conferences: { active: number };
  schedules: { upcoming24h: number };
  you: { name: string; role: Role };
}

/** One entry of the append-only audit log (every state-changing call). */
export interface AuditEntry {
  id: number;
  /** ISO 8601, UTC. */
  at: string;
  actor: string;
  role: string;
  method: string;
  params: unknown;
  result: 'ok' | 'error';
  errorCode?: string;
}

export interface AuditListParams {
  since?: string;
  /** Only entries with a smaller id: page back from the first id of the previous page. */
  beforeId?: number;
  /** At most 1000 (and a page stops at ~1 MiB of params). */
  limit?: number;
}

export interface SubscribeParams {
  /** Notification method names or prefixes ending in '*' (e.g. 'endpoint.*'); '*' for all. */
  topics: string[];
}
