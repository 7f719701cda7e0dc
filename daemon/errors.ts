// One error type for the whole product. `code` is the stable contract (API, CLI --json, tests);
// `message` is for people and may change.
export const VC_ERROR_CODES = [
  'INTERNAL',
  'USAGE',
  'CONFIG_INVALID',
  'CONFIG_NOT_FOUND',
  'DATA_DIR_LOCKED',
  'PORT_IN_USE',
  'STORE_FAILED',
  'AUTH_REQUIRED',
  'AUTH_INVALID',
  'FORBIDDEN',
  'RATE_LIMITED',
  'BAD_REQUEST',
  'METHOD_UNKNOWN',
  'PARAMS_INVALID',
  'DAEMON_UNREACHABLE',
  'DAEMON_NOT_RUNNING',
  'TIMEOUT',
  'ENDPOINT_UNKNOWN',
  'GROUP_UNKNOWN',
  'ENDPOINT_BUSY',
  'SIP_FAILED',
  'SIP_TIMEOUT',
  'SDP_INVALID',
  'SDP_NO_COMMON_CODEC',
  'MEDIA_FAILED',
  'CONFERENCE_UNKNOWN',
  'CONFERENCE_ENDED',
  'CONFERENCE_LOCKED',
  'PARTICIPANT_UNKNOWN',
  'CAPACITY_EXCEEDED',
  'SCHEDULE_UNKNOWN',
  'SCHEDULE_CONFLICT',
  'SCHEDULE_INVALID',
  'ICS_INVALID',
  'TOKEN_INVALID',
  'TOKEN_EXPIRED',
] as const;

export type VcErrorCode = (typeof VC_ERROR_CODES)[number];

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
