import { randomBytes } from 'node:crypto';
import { VcError } from '../errors.js';
import { say } from '../../protocol/index.js';

// Small helpers shared by the repositories.

/** SQLite failures (constraints, a full disk, a locked file) become STORE_FAILED naming what was
 *  being written; a VcError thrown inside passes through as it is. */
export function guard<T>(what: string, fn: () => T): T {
  try {
    return fn();
  } catch (e) {
    if (e instanceof VcError) throw e;
    const code = (e as { code?: unknown }).code;
    throw new VcError(
      'STORE_FAILED',
      storeFailure(what, typeof code === 'string' ? code : undefined, (e as Error).message),
      typeof code === 'string' ? { sqlite: code } : undefined,
      { cause: e },
    );
  }
}

/** Why a write failed, one template per common SQLite cause (the raw text otherwise). `what` is a
 *  store.do.* text: what was being written. */
function storeFailure(what: string, code: string | undefined, detail: string): string {
  if (code === 'SQLITE_FULL') return say('store.full', { what });
  if (code?.startsWith('SQLITE_BUSY') || code?.startsWith('SQLITE_LOCKED')) return say('store.busy', { what });
  if (code?.startsWith('SQLITE_READONLY')) return say('store.readonly', { what });
  if (code?.startsWith('SQLITE_IOERR')) return say('store.ioerr', { what, code });
  if (code?.startsWith('SQLITE_CORRUPT')) return say('store.corrupt', { what });
  return say('store.failed', { what, detail });
}

/** JSON for a TEXT column; a value JSON cannot express is stored as a note saying so. */
export function toJson(value: unknown): string {
  try {
    return JSON.stringify(value === undefined ? null : value);
  } catch (e) {
    return JSON.stringify({ unserialisable: (e as Error).message });
  }
}

export function fromJson<T = unknown>(text: string | null): T | null {
  return text === null ? null : (JSON.parse(text) as T);
}

const ALPHABET = 'abcdefghijkmnpqrstuvwxyz23456789';

/** Short readable id (no 0/o/1/l), e.g. "c-k3m9x2qa7p"; 50 bits, plenty for one site's history. */
export function newId(prefix: string): string {
  const bytes = randomBytes(10);
  let s = '';
  for (const b of bytes) s += ALPHABET[b % 32];
  return `${prefix}-${s}`;
}

export const bool = (b: boolean | undefined): 0 | 1 => (b ? 1 : 0);

/** Clamp a caller's limit to something a single query may return. */
export function clampLimit(limit: number | undefined, fallback: number, max = 10_000): number {
  if (limit === undefined || !Number.isFinite(limit)) return fallback;
  return Math.max(1, Math.min(max, Math.floor(limit)));
}
