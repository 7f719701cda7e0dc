// A Signalling for conference tests that exercise the real media path (mediasoup, relays, mixer,
// views) without SIP: "dialling" a site makes its simulated room (SimRoom audio + SimVideo video)
// send real RTP to the leg's relay ports and returns the room's ports as the negotiated media.
// The real SIP path is covered by the baresip tests; this one keeps the conference logic fast.
import { VcError } from '../../daemon/errors.js';
import { TypedEmitter } from '../../daemon/util/TypedEmitter.js';
import type { Endpoint } from '../../daemon/config/schema.js';
import type { LocalMedia, NegotiatedMedia } from '../../daemon/media/types.js';
import type {
  DialRequest,
  IncomingSignal,
  SignalCall,
  SignalCallEvents,
  Signalling,
} from '../../daemon/conference/Signalling.js';
import { SimRoom } from './simRoom.js';
import { SimVideo } from './simVideo.js';

export interface SimSite {
  id: string;
  audio: SimRoom;
  video: SimVideo;
  /** Fail the next dials with this status (e.g. 486); undefined answers. */
  failWith?: number;
  calls: number;
  current?: SimCall;
}

export class SimCall extends TypedEmitter<SignalCallEvents> implements SignalCall {
  readonly callId: string;
  readonly remote: NegotiatedMedia;
  readonly site: SimSite;
  reinvites = 0;
  keyframeInfos = 0;
  dtmfInfo: string[] = [];
  hungUp: string | undefined;
  /** Where the room sends (the leg's relay ports). */
  local: LocalMedia;

  constructor(site: SimSite, local: LocalMedia) {
    super();
    this.site = site;
    this.local = local;
    this.callId = `sim-${site.id}-${++site.calls}`;
    this.remote = {
      address: '127.0.0.1',
      audio: {
        port: site.audio.port,
        rtcpPort: site.audio.rtcpPort,
        pt: 0,
        codec: 'PCMU',
        clockRate: 8000,
        telephoneEventPt: 101,
      },
      // VP8: SimVideo's H.264 keyframes are IDR slices without an SPS, and mediasoup only treats an SPS
      // as the start of a keyframe, so its consumers would never start forwarding them.
      video: { port: site.video.port, rtcpPort: site.video.rtcpPort, pt: 96, codec: 'VP8', clockRate: 90000 },
    };
    this.#send(local);
  }

  #send(local: LocalMedia): void {
    this.local = local;
    this.site.audio.stop();
    this.site.video.stop();
    this.site.audio.start({ address: local.address, port: local.audio!.port });
    this.site.video.start({ address: local.address, port: local.video!.port });
  }

  async reinvite(local: LocalMedia): Promise<NegotiatedMedia> {
    this.reinvites++;
    this.#send(local);
    return this.remote;
  }

  hangup(reason: string): void {
    if (this.hungUp !== undefined) return;
    this.hungUp = reason;
    this.#stopMedia();
  }

  async sendDtmfInfo(digits: string): Promise<void> {
    this.dtmfInfo.push(digits);
  }

  requestKeyframe(): void {
    this.keyframeInfos++;
  }

  /** The room hangs up (BYE from its side). */
  remoteBye(): void {
    this.#stopMedia();
    this.emit('ended', { by: 'remote', reason: 'BYE' });
  }

  /** The room goes silent without a BYE (power cut). */
  vanish(): void {
    this.#stopMedia();
  }

  #stopMedia(): void {
    if (this.site.current === this) this.site.current = undefined;
    this.site.audio.stop();
    this.site.video.stop();
  }
}

export class SimSignalling implements Signalling {
  readonly sites = new Map<string, SimSite>();
  readonly registered: string[] = [];
  #incoming: ((c: IncomingSignal) => void) | undefined;

  static async create(specs: { id: string; toneHz: number; tag: number }[]): Promise<SimSignalling> {
    const s = new SimSignalling();
    for (const spec of specs) {
      const audio = await SimRoom.create({ codec: 'PCMU', pt: 0, toneHz: spec.toneHz, amplitude: 6000 });
      const video = await SimVideo.create({ codec: 'VP8', pt: 96, tag: spec.tag, gopFrames: 30, answersPli: true });
      s.sites.set(spec.id, { id: spec.id, audio, video, calls: 0 });
    }
    return s;
  }

  site(id: string): SimSite {
    const s = this.sites.get(id);
    if (!s) throw new Error(`no sim site ${id}`);
    return s;
  }

  async dial(req: DialRequest): Promise<SignalCall> {
    const site = this.site(req.endpoint.id);
    req.onProgress({ state: 'calling', callId: `sim-${site.id}-pending` });
    await new Promise((r) => setTimeout(r, 10));
    req.onProgress({ state: 'ringing' });
    if (req.signal.aborted) throw new VcError('SIP_FAILED', 'cancelled', { status: 487 });
    if (site.failWith !== undefined) throw new VcError('SIP_FAILED', `sim ${site.failWith}`, { status: site.failWith });
    const call = new SimCall(site, req.local);
    site.current = call;
    return call;
  }

  onIncoming(handler: (call: IncomingSignal) => void): () => void {
    this.#incoming = handler;
    return () => {
      this.#incoming = undefined;
    };
  }

  async register(endpoint: Endpoint): Promise<void> {
    this.registered.push(endpoint.id);
  }

  /** The site dials the bridge; resolves with the status it got (200 or the rejection). `endpointId`
   *  is what access control identified (default the site; undefined: an unknown caller). */
  dialIn(
    id: string,
    o: { endpointId?: string | undefined } = { endpointId: id },
  ): Promise<{ status: number; call?: SimCall }> {
    const site = this.site(id);
    return new Promise((resolve) => {
      const sig: IncomingSignal = {
        callId: `sim-in-${id}-${++site.calls}`,
        endpointId: o.endpointId,
        fromUri: `sip:${id}@127.0.0.1`,
        ring: () => undefined,
        accept: async (local) => {
          const call = new SimCall(site, local);
          site.current = call;
          resolve({ status: 200, call });
          return call;
        },
        reject: (status) => resolve({ status }),
      };
      if (!this.#incoming) resolve({ status: 503 });
      else this.#incoming(sig);
    });
  }

  close(): void {
    for (const s of this.sites.values()) {
      s.audio.close();
      s.video.close();
    }
  }
}
