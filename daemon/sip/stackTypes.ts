// The SipStack's options, statistics and events (kept apart so SipStack.ts holds only behaviour).
import type { Logger } from '../util/logger.js';
import type { Clock } from '../util/clock.js';
import type { SipMessage } from './sipLibrary.js';
import type { SessionTimerConfig, SipTimers } from './SipCore.js';
import type { AllowDecision } from './AccessControl.js';
import type { IncomingCall } from './IncomingCall.js';
import type { SipListen, SipTlsOptions } from './listen.js';
import type { ConnectionLimits, ConnectionStats } from './ConnectionGuard.js';
import type { SipMessageSeen, SipSource } from './message.js';

export interface SipStackOptions {
  listen: readonly SipListen[];
  /** Address put in Via/Contact (default: the listen host). */
  publicHost?: string;
  userAgent: string;
  log: Logger;
  clock?: Clock;
  /** Access control for new requests (default: everyone allowed). See AccessControl. */
  isAllowed?: (src: SipSource, msg: SipMessage) => AllowDecision;
  /** Is an address a configured endpoint's? Others get the strangers' TCP/TLS connection limits
   *  (default: every address is known). See ConnectionGuard. */
  isKnownAddress?: (address: string) => boolean;
  /** TCP/TLS connection limits (defaults: DEFAULT_CONNECTION_LIMITS). */
  connectionLimits?: Partial<ConnectionLimits>;
  tls?: SipTlsOptions;
  maxCallSeconds?: number;
  sessionTimer?: SessionTimerConfig | false;
  timers?: Partial<SipTimers>;
  /** A TCP/TLS connection that has not completed a message after this long is cut (slow-loris). */
  headerTimeoutMs?: number;
  inviteTimeoutMs?: number;
  /** Budget per source for 400 answers to malformed messages (default 20/s, burst 40). */
  badMessageRate?: { perSecond: number; burst: number };
  /** Digest realm for challenged dial-ins (default: the userAgent). */
  realm?: string;
}

export interface SipStats {
  requestsIn: Record<string, number>;
  optionsAnswered: number;
  rejected: number;
  dropped: number;
  badMessages: number;
  dialogs: number;
  pendingInvites: number;
  connections: ConnectionStats;
}

export type SipStackEvents = {
  /** Every message sent or received, after screening. */
  message: [SipMessageSeen];
  /** A new call offer; answer with call.accept(sdp), call.reject(status) or call.ring(). */
  invite: [IncomingCall];
  /** An allowed peer probed us with OPTIONS (answered 200). */
  options: [{ source: SipSource; endpointId?: string }];
  /** A request refused by the allow-list (403) or dropped over the rate limit. */
  rejected: [{ source: SipSource; method: string; action: 'reject' | 'drop' }];
  badMessage: [{ source: SipSource; reason: string; replied: boolean }];
  transportError: [{ transport: string; message: string }];
};
