// Secrets out of values before they are logged or audited, and audited params kept small. Used by
// the API (before auditing) and the audit repository (whoever appends): both layers may import util.
import { createHash } from 'node:crypto';

/** Keys whose values are secrets wherever they sit in a value. An RTMP URL (conference.stream.start's
 *  `rtmp`) ends in the stream key that lets anyone publish to that channel. */
export const SECRET_KEY = /pass|secret|token|pin|authorization|credential|rtmp/i;
/** Below this depth a value is replaced, never passed through unredacted. */
export const MAX_REDACT_DEPTH = 8;
/** Objects, arrays and values visited at most; the rest is replaced by a marker. */
export const MAX_REDACT_NODES = 5_000;
/** Audited params are stored whole up to this size (JSON bytes); larger ones as a summary. */
export const MAX_AUDIT_PARAMS_BYTES = 4096;

const TOO_DEEP = '[too deep]';
const TOO_MANY = '[truncated]';

/** A copy of `value` with every secret-looking key's value replaced, at any depth. Anything
 *  nested deeper than MAX_REDACT_DEPTH (or past MAX_REDACT_NODES) is replaced too, so a secret
 *  can never slip through by being buried. */
export function redactSecrets(value: unknown): unknown {
  let budget = MAX_REDACT_NODES;
  const walk = (v: unknown, depth: number): unknown => {
    if (v === null || typeof v !== 'object') return v;
    if (depth >= MAX_REDACT_DEPTH) return TOO_DEEP;
    if (--budget < 0) return TOO_MANY;
    if (Array.isArray(v)) return v.map((x) => walk(x, depth + 1));
    const out: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(v)) out[k] = SECRET_KEY.test(k) ? '[redacted]' : walk(x, depth + 1);
    return out;
  };
  return walk(value, 0);
}

/** Params as the audit log keeps them: redacted, and when their JSON is over MAX_AUDIT_PARAMS_BYTES a
 *  summary (size, hash, top-level keys, a short preview) instead of the megabyte. */
export function auditParams(value: unknown): unknown {
  const clean = redactSecrets(value ?? null);
  let json: string;
  try {
    json = JSON.stringify(clean) ?? 'null';
  } catch (err) {
    return { unserialisable: (err as Error).message };
  }
  const bytes = Buffer.byteLength(json);
  if (bytes <= MAX_AUDIT_PARAMS_BYTES) return clean;
  const keys =
    clean !== null && typeof clean === 'object' && !Array.isArray(clean)
      ? Object.keys(clean)
          .slice(0, 20)
          .map((k) => k.slice(0, 40))
      : undefined;
  return {
    truncated: true,
    bytes,
    sha256: createHash('sha256').update(json).digest('hex'),
    ...(keys ? { keys } : {}),
    preview: json.slice(0, 256),
  };
}

/** A request URL fit for a log line: the values of token-like query parameters (a join link's `t`)
 *  replaced. */
export function redactUrl(url: string | undefined): string | undefined {
  return url?.replace(/([?&](?:t|token|access_token|key|secret|password)=)[^&#]*/gi, '$1[redacted]');
}
