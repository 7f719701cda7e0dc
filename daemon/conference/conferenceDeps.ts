// Conference's dependencies, set-up and events (kept apart so Conference.ts holds only behaviour).
import type { Endpoint } from '../config/schema.js';
import type { ConferenceView, LegStats, ParticipantView, Reason } from '../../protocol/index.js';
import type { CdrRepo } from '../store/CdrRepo.js';
import type { ConferenceRow } from '../store/ConferenceRepo.js';
import type { Clock } from '../util/clock.js';
import type { Logger } from '../util/logger.js';
import type { RelayPortPool } from '../media/RelayPortPool.js';
import type { MediaPlane } from '../media/plane/MediaPlane.js';
import type { types as ms } from 'mediasoup';
import type { Signalling } from './Signalling.js';

export interface ConferenceDeps {
  log: Logger;
  clock: Clock;
  signalling: Signalling;
  ports: RelayPortPool;
  /** The media plane worker that carries audio relays and mixers (absent: they run in this thread). */
  plane?: MediaPlane;
  cdr: CdrRepo;
  announcedAddress: string;
  rtpTimeoutMs: number;
  pinDelayMs: number;
  statsIntervalMs: number;
}

export interface ConferenceSetup {
  row: ConferenceRow;
  endpoints: Endpoint[];
  router: ms.Router;
}

export type ConferenceEvents = {
  state: [ConferenceView];
  participant: [ParticipantView];
  event: [Reason | string];
  stats: [{ endpointId: string; stats: LegStats }];
  ended: [{ reason: string }];
};
