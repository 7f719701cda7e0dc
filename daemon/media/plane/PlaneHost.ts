// What runs inside the media plane worker: the audio relays of the SIP legs (their room-facing
// sockets, SRTP, the hop to mediasoup), the conferences' mixers (MixCore, with their taps for
// browser audio) and RFC 4733 DTMF towards rooms. The mix path never leaves this thread: a room's
// packet is read, buffered, mixed and the room's mix sent from here, on this thread's own timers.
// The daemon's thread drives it by messages (protocol.ts) and hears events back.
import { monitorEventLoopDelay, PerformanceObserver } from 'node:perf_hooks';
import type { Logger } from '../../util/logger.js';
import { systemClock } from '../../util/clock.js';
import { say } from '../../../protocol/index.js';
import { VcError } from '../../errors.js';
import { bindPair, type SocketPair } from '../RelayPortPool.js';
import { RtpRelay } from '../RtpRelay.js';
import { DtmfSender } from '../DtmfSender.js';
import { MixCore } from '../MixCore.js';
import { MixTap } from '../MixTap.js';
import { SrtpKeys } from '../srtp/SrtpKeys.js';
import { srtpEvents } from '../srtp/SrtpGuard.js';
import type {
  FromPlane,
  PlaneCommand,
  PlaneReply,
  PlaneRequest,
  RelayEventName,
  RelayOpen,
  RelayOpened,
  WireRemote,
} from './protocol.js';

interface HostedRelay {
  relay: RtpRelay;
  sockets: SocketPair;
  dtmf: DtmfSender;
  codec: string | undefined;
}

interface HostedMixer {
  core: MixCore;
  tap?: MixTap;
  /** member id → how to stop its feed */
  untap: Map<string, () => void>;
  unFullMix?: () => void;
}

const RELAY_EVENTS: RelayEventName[] = [
  'firstRtp',
  'rtpTimeout',
  'rtpResumed',
  'keyframeRequest',
  'dtmf',
  'ssrcChange',
];
const REPORT_MS = 1000;

export class PlaneHost {
  readonly #post: (m: FromPlane, transfer?: ArrayBuffer[]) => void;
  readonly #log: Logger;
  readonly #relays = new Map<number, HostedRelay>();
  readonly #mixers = new Map<number, HostedMixer>();
  readonly #report: NodeJS.Timeout;
  readonly #delay = monitorEventLoopDelay({ resolution: 5 });
  readonly #gc = { pauses: 0, ms: 0, maxMs: 0 };
  readonly #gcObserver = new PerformanceObserver((list) => {
    for (const e of list.getEntries()) {
      this.#gc.pauses++;
      this.#gc.ms += e.duration;
      this.#gc.maxMs = Math.max(this.#gc.maxMs, e.duration);
    }
  });
  readonly #onAuthFailure = (e: { legId: string }): void => this.#post({ t: 'srtpAuthFailure', legId: e.legId });

  constructor(o: { post: (m: FromPlane, transfer?: ArrayBuffer[]) => void; log: Logger }) {
    this.#post = o.post;
    this.#log = o.log.child({ component: 'media.plane' });
    srtpEvents.on('authFailure', this.#onAuthFailure);
    this.#report = setInterval(() => this.#sendReport(), REPORT_MS);
    this.#report.unref();
    this.#delay.enable();
    this.#gcObserver.observe({ entryTypes: ['gc'] });
  }

  async request(req: PlaneRequest): Promise<PlaneReply> {
    switch (req.op) {
      case 'relay.open':
        return this.#openRelay(req.open);
      case 'relay.counters':
        return this.#relay(req.rid).relay.counters();
      case 'relay.dtmf':
        await this.#relay(req.rid).dtmf.send(req.digits, req.opts);
        return undefined;
      case 'loopDelay': {
        const d = this.#delay;
        const g = this.#gc;
        const out = {
          p50Ms: d.percentile(50) / 1e6,
          p99Ms: d.percentile(99) / 1e6,
          maxMs: d.max / 1e6,
          gcPauses: g.pauses,
          gcMs: g.ms,
          gcMaxMs: g.maxMs,
        };
        if (req.reset) {
          d.reset();
          Object.assign(g, { pauses: 0, ms: 0, maxMs: 0 });
        }
        return out;
      }
      case 'mix.trace':
        return this.#mixer(req.mid).core.trace(req.id);
      case 'mix.tap': {
        const m = this.#mixer(req.mid);
        m.tap ??= await MixTap.open(m.core, this.#log, req.port);
        return { port: m.tap.port };
      }
    }
  }

  command(cmd: PlaneCommand): void {
    switch (cmd.op) {
      case 'relay.remote': {
        const r = this.#relays.get(cmd.rid);
        if (!r) return;
        r.codec = cmd.codec;
        r.relay.setRemote(cmd.remote && toRemote(cmd.remote));
        return;
      }
      case 'relay.transport':
        this.#relays.get(cmd.rid)?.relay.setTransport(cmd.port);
        return;
      case 'relay.frame':
        this.#relays.get(cmd.rid)?.relay.sendFrame(cmd.payload, cmd.samples);
        return;
      case 'relay.close':
        return this.#closeRelay(cmd.rid);
      case 'mix.open':
        return this.#openMixer(cmd.mid);
      case 'mix.close':
        return this.#closeMixer(cmd.mid);
      case 'mix.addLeg':
        return this.#addLeg(cmd.mid, cmd.id, cmd.rid, cmd.codec);
      case 'mix.addTapSource': {
        const m = this.#mixers.get(cmd.mid);
        if (!m?.tap) return;
        m.core.remove(cmd.id);
        const push = m.core.add(cmd.id, cmd.codec, {});
        m.tap.route(cmd.ssrc, cmd.id, push);
        return;
      }
      case 'mix.remove': {
        const m = this.#mixers.get(cmd.mid);
        if (!m) return;
        m.untap.get(cmd.id)?.();
        m.untap.delete(cmd.id);
        m.tap?.unroute(cmd.id);
        m.core.remove(cmd.id);
        return;
      }
      case 'mix.mute': {
        const m = this.#mixers.get(cmd.mid);
        if (m?.core.has(cmd.id)) m.core.setMuted(cmd.id, cmd.muted);
        return;
      }
      case 'mix.fullMix':
        return this.#fullMix(cmd.mid, cmd.on);
      case 'fault':
        setImmediate(() => {
          throw new Error('media plane fault injected');
        });
        return;
    }
  }

  close(): void {
    clearInterval(this.#report);
    this.#delay.disable();
    this.#gcObserver.disconnect();
    srtpEvents.off('authFailure', this.#onAuthFailure);
    for (const mid of [...this.#mixers.keys()]) this.#closeMixer(mid);
    for (const rid of [...this.#relays.keys()]) this.#closeRelay(rid);
  }

  #relay(rid: number): HostedRelay {
    const r = this.#relays.get(rid);
    if (!r) throw new VcError('MEDIA_FAILED', say('media.plane.noRelay', { rid }));
    return r;
  }

  #mixer(mid: number): HostedMixer {
    const m = this.#mixers.get(mid);
    if (!m) throw new VcError('MEDIA_FAILED', say('media.plane.noMixer', { mid }));
    return m;
  }

  /** Binds the room-facing pair here, in the thread that reads it (no port left unbound in between). */
  async #openRelay(o: RelayOpen): Promise<RelayOpened> {
    this.#closeRelay(o.rid);
    let sockets: SocketPair | undefined;
    try {
      sockets = await bindPair(o.address, o.port);
    } catch (e) {
      throw new VcError(
        'MEDIA_FAILED',
        say('media.plane.bindRelay', { port: o.port, address: o.address, why: (e as Error).message }),
      );
    }
    if (!sockets) return { taken: true };
    const { rtp, rtcp } = sockets;
    const log = this.#log.child({ leg: o.legId });
    const relay = new RtpRelay({
      kind: 'audio',
      sockets,
      log,
      clock: systemClock,
      rtpTimeoutMs: o.rtpTimeoutMs,
      legId: o.legId,
      ingressSsrc: o.ingressSsrc,
    });
    try {
      await relay.start(o.internalPort);
    } catch (e) {
      relay.close();
      rtp.close();
      rtcp.close();
      throw new VcError('MEDIA_FAILED', say('media.plane.bindInternal', { why: (e as Error).message }));
    }
    for (const ev of RELAY_EVENTS) {
      relay.on(ev, (data?: unknown) => this.#post({ t: 'relay', rid: o.rid, ev, data }));
    }
    const dtmf = new DtmfSender({ relay, clock: systemClock });
    this.#relays.set(o.rid, { relay, sockets, dtmf, codec: undefined });
    return { port: sockets.port, rtcpPort: sockets.rtcpPort, internalPort: relay.internalPort };
  }

  #closeRelay(rid: number): void {
    const r = this.#relays.get(rid);
    if (!r) return;
    this.#relays.delete(rid);
    r.dtmf.close();
    r.relay.close();
    r.sockets.rtp.close();
    r.sockets.rtcp.close();
  }

  #openMixer(mid: number): void {
    if (this.#mixers.has(mid)) return;
    const core = new MixCore({ log: this.#log.child({ component: 'media.mixer', mixer: mid }) });
    core.on('activeSpeaker', (e) => this.#post({ t: 'speaker', mid, id: e.id, dBov: e.dBov }));
    this.#mixers.set(mid, { core, untap: new Map() });
  }

  #closeMixer(mid: number): void {
    const m = this.#mixers.get(mid);
    if (!m) return;
    this.#mixers.delete(mid);
    for (const f of m.untap.values()) f();
    m.unFullMix?.();
    m.core.close();
    m.tap?.close();
  }

  #addLeg(mid: number, id: string, rid: number, codec: string): void {
    const m = this.#mixers.get(mid);
    const r = this.#relays.get(rid);
    if (!m || !r) return;
    m.untap.get(id)?.();
    m.core.remove(id);
    const relay = r.relay;
    const push = m.core.add(id, codec, {
      send: (payload, frameTs) => relay.sendFrame(payload, frameTs),
      codecNow: () => r.codec,
    });
    const onRtp = (p: { ts: number; payload: Uint8Array }): void => push(p.ts, p.payload);
    relay.on('rtp', onRtp);
    m.untap.set(id, () => relay.off('rtp', onRtp));
  }

  #fullMix(mid: number, on: boolean): void {
    const m = this.#mixers.get(mid);
    if (!m) return;
    m.unFullMix?.();
    m.unFullMix = undefined;
    if (!on) return;
    m.unFullMix = m.core.onFullMix((sum) => {
      const copy = sum.slice();
      this.#post({ t: 'sum', mid, sum: copy }, [copy.buffer]);
    });
  }

  #sendReport(): void {
    if (this.#mixers.size === 0 && this.#relays.size === 0) return;
    const relays = [...this.#relays].map(([rid, r]) => ({ rid, counters: r.relay.counters() }));
    const mixers = [...this.#mixers].map(([mid, m]) => ({
      mid,
      lateTicks: m.core.lateTicks,
      busyMs: m.core.busyMs,
      stats: m.core.stats(),
    }));
    this.#post({ t: 'report', mixers, relays });
  }
}

function toRemote(w: WireRemote): Parameters<RtpRelay['setRemote']>[0] {
  const { srtp, ...rest } = w;
  return srtp ? { ...rest, srtp: SrtpKeys.fromParams(srtp) } : rest;
}
