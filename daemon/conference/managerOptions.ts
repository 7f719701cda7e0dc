// ConferenceManager's options, start request and events (kept apart so the manager holds only behaviour).
import type { ConferenceStartParams, ConferenceView, LegStats, ParticipantView, Reason } from '../../protocol/index.js';
import type { SiteConfig, Template, TemplatePolling } from '../config/schema.js';
import type { CdrRepo } from '../store/CdrRepo.js';
import type { ConferenceRepo } from '../store/ConferenceRepo.js';
import type { StatsRepo } from '../store/StatsRepo.js';
import type { Clock } from '../util/clock.js';
import type { Logger } from '../util/logger.js';
import type { RelayPortPool } from '../media/RelayPortPool.js';
import type { MediaPlane } from '../media/plane/MediaPlane.js';
import type { WorkerPool } from '../media/WorkerPool.js';
import type { Signalling } from './Signalling.js';

export interface ConferenceManagerOptions {
  log: Logger;
  clock?: Clock;
  store: { conferences: ConferenceRepo; cdr: CdrRepo; stats: Pick<StatsRepo, 'insertMany'> };
  pool: Pick<WorkerPool, 'routerFor' | 'releaseRouter' | 'on' | 'off'>;
  ports: RelayPortPool;
  /** The media plane worker that carries audio relays and mixers (absent: they run in this thread). */
  plane?: MediaPlane;
  signalling: Signalling;
  config: () => SiteConfig;
  /** No RTP for this long drops a leg (default 10 s). */
  rtpTimeoutMs?: number;
  /** Wait after the upstream answers before sending its PIN (default 1 s). */
  pinDelayMs?: number;
  statsIntervalMs?: number;
}

/** What conference.start accepts (the API's params, plus the scheduler's). */
export interface StartRequest extends ConferenceStartParams {
  scheduleId?: string;
  /** The multi-picture layout to start with (a template's or a booked meeting's). */
  layout?: Template['layout'] | undefined;
  /** Auto-polling to start with (a template's or a booked meeting's). */
  polling?: TemplatePolling | undefined;
  occurrenceStart?: string;
  /** Planned end, ISO (the scheduler's); wins over durationMinutes. */
  endsAt?: string;
}

export type ManagerEvents = {
  state: [ConferenceView];
  participant: [{ conferenceId: string; participant: ParticipantView }];
  event: [{ conferenceId: string; at: string; message: string; why?: Reason }];
  stats: [{ conferenceId: string; endpointId: string; stats: LegStats }];
  ended: [{ conferenceId: string; reason: string }];
  /** A new meeting started (not a crash resume); `record`: the request or its template asked for a recording. */
  started: [{ conferenceId: string; record: boolean }];
  extended: [{ conferenceId: string; endsAt: number }];
  /** An endpoint's call in a conference came up or went away (health probes in-call sites faster). */
  inCall: [{ endpointId: string; conferenceId: string; inCall: boolean }];
};
