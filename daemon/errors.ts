// One error type for the whole product. `code` is the stable contract (API, CLI --json, tests);
// `message` is for people and may change.
import type { VcErrorCode } from '../protocol/index.js';

export { VC_ERROR_CODES, type VcErrorCode } from '../protocol/index.js';

export class VcError extends Error {
  readonly code: VcErrorCode;
  readonly details?: unknown;

  constructor(code: VcErrorCode, message: string, details?: unknown, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'VcError';
    this.code = code;
    this.details = details;
  }

  toJSON(): { code: VcErrorCode; message: string; details?: unknown } {
    return this.details === undefined
      ? { code: this.code, message: this.message }
      : { code: this.code, message: this.message, details: this.details };
  }
}

export function isVcError(e: unknown): e is VcError {
  return e instanceof VcError;
}

/** Wrap anything thrown into a VcError, keeping a VcError as it is. */
export function toVcError(e: unknown, fallback: VcErrorCode = 'INTERNAL'): VcError {
  if (e instanceof VcError) return e;
  const message = e instanceof Error ? e.message : String(e);
  return new VcError(fallback, message, undefined, { cause: e });
}
