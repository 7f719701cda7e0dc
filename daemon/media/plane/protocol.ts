// Messages between the daemon's thread and the media plane worker (worker_threads, structured clone).
// The daemon's side keeps what it asked for (MediaPlane's mirror) so a restarted worker can be told
// everything again; the worker holds no state anyone else needs.
import type { SrtpSuiteName } from '../srtp/libsrtp.js';
import type { SrtpKeyParams } from '../srtp/SrtpKeys.js';
import type { RelayCounters, RelayRemote } from '../RtpRelay.js';
import type { MixerMemberStats, TickTrace } from '../MixCore.js';
import type { DtmfOptions } from '../DtmfSender.js';

/** RelayRemote with its SRTP keys as plain data (SrtpKeys is a class with private fields). */
export type WireRemote = Omit<RelayRemote, 'srtp'> & {
  srtp?: { suite: SrtpSuiteName; rx: SrtpKeyParams; tx: SrtpKeyParams };
};

export interface RelayOpen {
  rid: number;
  legId: string;
  /**
   * The room-facing RTP port the worker binds (RTCP on the next; 0: any free pair), on `address`.
   * The daemon's RelayPortPool picks the candidates and holds what the worker bound.
   */
  port: number;
  address: string;
  /** The SSRC the producer in mediasoup expects. */
  ingressSsrc: number;
  /** The internal socket's port (0 the first time; the same one again after a restart). */
  internalPort: number;
  rtpTimeoutMs: number;
}

/** Requests: answered with a 'res' of the same id. */
export type PlaneRequest =
  | { op: 'relay.open'; open: RelayOpen }
  | { op: 'relay.counters'; rid: number }
  | { op: 'relay.dtmf'; rid: number; digits: string; opts: DtmfOptions }
  | { op: 'mix.tap'; mid: number; port: number }
  /** Benches: trace the ticks as member `id` sees them (undefined stops); answers what was traced. */
  | { op: 'mix.trace'; mid: number; id: string | undefined }
  /** The worker's event-loop delay since the last reset (figures for the benches). */
  | { op: 'loopDelay'; reset: boolean };

export interface LoopDelay {
  p50Ms: number;
  p99Ms: number;
  maxMs: number;
  /** The worker's garbage-collection pauses in the same span. */
  gcPauses: number;
  gcMs: number;
  gcMaxMs: number;
}

/** relay.open's answer: the pair bound, or `taken` when another socket holds the port (try another). */
export type RelayOpened = { port: number; rtcpPort: number; internalPort: number } | { taken: true };

export type PlaneReply = RelayOpened | RelayCounters | { port: number } | LoopDelay | TickTrace[] | undefined;

/** Commands: no answer. */
export type PlaneCommand =
  | { op: 'relay.remote'; rid: number; remote: WireRemote | undefined; codec: string | undefined }
  | { op: 'relay.transport'; rid: number; port: number | undefined }
  | { op: 'relay.frame'; rid: number; payload: Uint8Array; samples: number }
  | { op: 'relay.close'; rid: number }
  | { op: 'mix.open'; mid: number }
  | { op: 'mix.close'; mid: number }
  | { op: 'mix.addLeg'; mid: number; id: string; rid: number; codec: string }
  | { op: 'mix.addTapSource'; mid: number; id: string; codec: string; ssrc: number }
  | { op: 'mix.remove'; mid: number; id: string }
  | { op: 'mix.mute'; mid: number; id: string; muted: boolean }
  | { op: 'mix.fullMix'; mid: number; on: boolean }
  /** Fault injection (tests): throw out of the worker's event loop. */
  | { op: 'fault' };

export type ToPlane = { t: 'req'; id: number; req: PlaneRequest } | { t: 'cmd'; cmd: PlaneCommand };

export type RelayEventName = 'firstRtp' | 'rtpTimeout' | 'rtpResumed' | 'keyframeRequest' | 'dtmf' | 'ssrcChange';

/** A relay's counters as of the report (so the daemon's side can continue them after a restart). */
export interface RelayReport {
  rid: number;
  counters: RelayCounters;
}

export interface MixerReport {
  mid: number;
  lateTicks: number;
  busyMs: number;
  stats: MixerMemberStats[];
}

export type FromPlane =
  /** `nice`: the thread's scheduling priority, if it could be raised (see planeWorker.ts). */
  | { t: 'ready'; tid: number | undefined; nice: number | undefined }
  | { t: 'res'; id: number; ok: true; value: PlaneReply }
  | { t: 'res'; id: number; ok: false; code: string; message: string }
  | { t: 'relay'; rid: number; ev: RelayEventName; data: unknown }
  | { t: 'speaker'; mid: number; id: string; dBov: number }
  | { t: 'sum'; mid: number; sum: Int32Array }
  | { t: 'report'; mixers: MixerReport[]; relays: RelayReport[] }
  | { t: 'srtpAuthFailure'; legId: string }
  | { t: 'log'; level: string; bindings: Record<string, unknown>; obj: unknown; msg: string | undefined };
