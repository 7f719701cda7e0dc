// What the screens need from the daemon, as a small interface: the real one is the control API
// client (through useDaemon), tests hand in their own.
import type { MethodName, NotificationArgs, ParamsOf, ResultOf } from '../../../protocol/index.js';

/** Calls a control-API method; rejects with an error whose `code` is the daemon's error code. */
export interface ConsoleApi {
  call<M extends MethodName>(method: M, params?: ParamsOf<M>): Promise<ResultOf<M>>;
}

export type ConnState =
  | { phase: 'connecting' }
  | { phase: 'connected' }
  /** `error` is the client's message; null when the daemon closed a working connection. */
  | { phase: 'disconnected'; error: string | null; attempt: number; retryAt: number };

export type NotificationListener = (...n: NotificationArgs) => void;

/** The error code of a failed call (CliError.code from the client), or undefined. */
export function errorCode(err: unknown): string | undefined {
  return typeof err === 'object' && err !== null && 'code' in err && typeof (err as { code: unknown }).code === 'string'
    ? (err as { code: string }).code
    : undefined;
}

export function errorMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/** The daemon answered "no such method": a layer that has not landed yet, not a failure. */
export function isMethodUnknown(err: unknown): boolean {
  return errorCode(err) === 'METHOD_UNKNOWN';
}
