// Every limit of the control API in one place (the README's "Security notes and limits" lists them).
// An unauthenticated client gets a small share of everything, so a flood of them can neither exhaust
// the daemon's file descriptors or memory nor starve an operator who holds a token.
import { MAX_FRAME_BYTES } from '../../protocol/index.js';

export const API_LIMITS = {
  /** Largest JSON-RPC frame (WebSocket message). */
  maxFrameBytes: MAX_FRAME_BYTES,
  /** Largest frame on a connection without a valid token (a bigger one closes it, code 1009). */
  maxAnonymousFrameBytes: 16 * 1024,
  /** TCP connections to the control port of any kind (control API, join page, /metrics, live), all
   *  together / from one source address; past them a connection is closed at once. */
  maxSockets: 2048,
  maxSocketsPerAddress: 256,
  /** A TCP connection that has not sent its first HTTP request (or upgrade) by then is closed. */
  firstRequestMs: 10_000,
  /** Open control connections, all addresses together / from one source address. */
  maxConnections: 1024,
  maxConnectionsPerAddress: 128,
  /** Of those, connections without a valid token: together / from one source address. */
  maxUnauthenticated: 256,
  maxUnauthenticatedPerAddress: 16,
  /** A connection without a valid token is closed (code 4401) after this long. */
  authDeadlineMs: 10_000,
  /** Calls in one JSON-RPC batch; a larger batch is refused whole. */
  maxBatch: 100,
  /** Reply bytes one batch may produce; members past it are answered with an error. */
  maxBatchReplyBytes: 8 * 1024 * 1024,
  /** Replies queued for a client that does not read them; past this the connection is closed. */
  maxBufferedBytes: 16 * 1024 * 1024,
  /** Topics one connection may hold (subscribe accepts only known notification names / prefixes). */
  maxTopicsPerConnection: 64,
  /** Calls per operator token (all its connections together). */
  callsPerToken: { perSecond: 200, burst: 400 },
  /** Calls without a valid token, per source address (each just gets AUTH_REQUIRED / AUTH_INVALID). */
  unauthenticatedCallsPerAddress: { perSecond: 20, burst: 100 },
  /** Wrong tokens presented at connect time, per source address (then HTTP 429). */
  badTokensPerAddress: { perSecond: 1, burst: 20 },
  /** Refused calls (FORBIDDEN, bad params) written to the audit log per caller; the rest are counted
   *  and the count is written once the budget allows again. */
  refusedAuditsPerCaller: { perSecond: 0.2, burst: 60 },
} as const;

/** WebSocket close codes the control API uses (4000-4999: application codes). */
export const API_CLOSE = {
  AUTH_DEADLINE: 4401,
  TOO_MANY: 4429,
  SLOW_READER: 4408,
} as const;
