import type { Logger } from '../util/logger.js';
import { RateLimiter } from '../util/RateLimiter.js';
import { auditParams } from '../util/redact.js';
import type { AuditEntry, RpcResponse } from '../../protocol/index.js';
import type { Caller } from './MethodRouter.js';
import { API_LIMITS } from './limits.js';

export interface AuditSink {
  append(entry: Omit<AuditEntry, 'id' | 'at'>): unknown;
}

// Refused before anything ran: a caller can repeat these as fast as its rate allows, so they (and
// whatever a viewer may call that is audited, e.g. schedule.export) are what could fill the disk.
const REFUSALS = new Set(['FORBIDDEN', 'PARAMS_INVALID']);

/**
 * Writes audited calls to the audit log: params redacted and size-capped, and refusals (and every
 * audited call of a viewer) budgeted per caller — past the budget they are counted, and the count
 * is written as one `audit.suppressed` entry with the caller's next entry that fits (and logged at once).
 */
export class AuditTrail {
  readonly #sink: AuditSink;
  readonly #log: Logger;
  readonly #refusals = new RateLimiter(API_LIMITS.refusedAuditsPerCaller);
  readonly #suppressed = new Map<string, { count: number; since: string; methods: Set<string> }>();

  constructor(sink: AuditSink, log: Logger) {
    this.#sink = sink;
    this.#log = log;
  }

  /** `audited`: the method's METHODS entry says its calls are written to the audit log. */
  record(caller: Caller, method: string, params: unknown, reply: RpcResponse, audited: boolean): void {
    if (!audited) return;
    const errorCode = reply.error?.data?.code;
    const budgeted = caller.role === 'viewer' || (errorCode !== undefined && REFUSALS.has(errorCode));
    if (budgeted && !this.#refusals.take(caller.name)) {
      this.#suppress(caller, method);
      return;
    }
    const held = this.#suppressed.get(caller.name);
    if (held) {
      this.#suppressed.delete(caller.name);
      this.#append(
        caller,
        'audit.suppressed',
        { count: held.count, since: held.since, methods: [...held.methods] },
        'error',
        'RATE_LIMITED',
      );
    }
    this.#append(caller, method, params, reply.error ? 'error' : 'ok', errorCode);
  }

  #suppress(caller: Caller, method: string): void {
    let held = this.#suppressed.get(caller.name);
    if (!held) {
      held = { count: 0, since: new Date().toISOString(), methods: new Set() };
      this.#suppressed.set(caller.name, held);
      this.#log.warn(
        { actor: caller.name, role: caller.role, address: caller.address, method },
        'too many refused calls from this caller: further refusals are counted, not each audited',
      );
    }
    held.count++;
    if (held.methods.size < 20) held.methods.add(method);
  }

  #append(caller: Caller, method: string, params: unknown, result: 'ok' | 'error', errorCode?: string): void {
    try {
      this.#sink.append({
        actor: caller.name,
        role: caller.role,
        method,
        params: auditParams(params),
        result,
        errorCode,
      });
    } catch (err) {
      // The call already happened; failing to audit it is loud but must not hide its result.
      this.#log.error({ err, method }, 'audit log write failed');
    }
  }
}
