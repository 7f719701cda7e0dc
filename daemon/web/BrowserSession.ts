// One join page's WebSocket: it takes the invitation's seat in the conference, sets up a
// BrowserLink, answers the page's requests (transports, produce, ready, resume, mute), pushes the
// streams to consume and the roster, and pings so both sides notice a dead network. When the
// socket dies the seat waits for the page to come back; when the seat is closed from our side
// (replaced, removed, conference over, media restart) the socket is closed with a JOIN_CLOSE code.
import type { WebSocket, RawData } from 'ws';
import { z } from 'zod';
import type { types as ms } from 'mediasoup';
import type { Logger } from '../util/logger.js';
import { RateLimiter } from '../util/RateLimiter.js';
import { toVcError } from '../errors.js';
import type { Conference } from '../conference/Conference.js';
import type { BrowserParticipant } from '../conference/BrowserParticipant.js';
import type { BrowserLink, BrowserListen, LinkEnd } from '../media/BrowserLink.js';
import type { ConferenceView, ParticipantView } from '../../protocol/index.js';
import type { JoinClaims } from './JoinTokens.js';
import { CLOSE_CODE_OF, type RefusalKind } from './messages.js';
import {
  PING_INTERVAL_S,
  type ClientMessage,
  type Notifications,
  type Roster,
  type ServerMessage,
  type Welcome,
} from './signalling.js';

const Obj = z.record(z.string(), z.unknown());
const Message = z.discriminatedUnion('method', [
  z.object({
    id: z.number().int(),
    method: z.literal('connectTransport'),
    params: z.object({ transportId: z.string().max(100), dtlsParameters: Obj }),
  }),
  z.object({
    id: z.number().int(),
    method: z.literal('produce'),
    params: z.object({ transportId: z.string().max(100), kind: z.enum(['audio', 'video']), rtpParameters: Obj }),
  }),
  z.object({ id: z.number().int(), method: z.literal('ready'), params: z.object({ rtpCapabilities: Obj }) }),
  z.object({
    id: z.number().int(),
    method: z.literal('resume'),
    params: z.object({ consumerId: z.string().max(100) }),
  }),
  z.object({ id: z.number().int(), method: z.literal('mute'), params: z.object({ muted: z.boolean() }) }),
  z.object({ id: z.number().int(), method: z.literal('hand'), params: z.object({ raised: z.boolean() }) }),
]);

const CLOSE_FOR_END: Partial<Record<LinkEnd, RefusalKind>> = {
  replaced: 'replaced',
  removed: 'removed',
  ended: 'gone',
  media: 'restart',
};
const ROSTER_DEBOUNCE_MS = 150;

export interface BrowserSessionOptions {
  ws: WebSocket;
  claims: JoinClaims;
  conference: Conference;
  listen: BrowserListen;
  address: string;
  log: Logger;
}

export class BrowserSession {
  readonly #ws: WebSocket;
  readonly #claims: JoinClaims;
  readonly #conf: Conference;
  readonly #log: Logger;
  readonly #limiter = new RateLimiter({ perSecond: 50, burst: 200, maxKeys: 1 });
  #seat: BrowserParticipant | undefined;
  #link: BrowserLink | undefined;
  #ping: NodeJS.Timeout | undefined;
  #rosterTimer: NodeJS.Timeout | undefined;
  #alive = true;
  #closed = false;
  readonly #onConf = (): void => this.#scheduleRoster();

  /** Take the seat and greet the page; closes the socket with the right code when it cannot. */
  static async open(o: BrowserSessionOptions): Promise<BrowserSession> {
    const s = new BrowserSession(o);
    await s.#start(o.listen);
    return s;
  }

  private constructor(o: BrowserSessionOptions) {
    this.#ws = o.ws;
    this.#claims = o.claims;
    this.#conf = o.conference;
    this.#log = o.log.child({
      component: 'web.session',
      conferenceId: o.claims.conferenceId,
      participant: o.claims.participantId,
      address: o.address,
    });
    o.ws.on('message', (data, isBinary) => void this.#onMessage(data, isBinary));
    o.ws.on('close', (code) => this.#onSocketClosed(code));
    o.ws.on('error', (err) => this.#log.debug({ err: err.message }, 'join socket error'));
    o.ws.on('pong', () => (this.#alive = true));
  }

  get participantId(): string {
    return this.#claims.participantId;
  }

  /** Close from our side (daemon stopping). */
  close(kind: RefusalKind, reason: string): void {
    this.#closeSocket(kind, reason);
  }

  async #start(listen: BrowserListen): Promise<void> {
    try {
      const seat = this.#conf.browser(this.#claims.participantId, this.#claims.name);
      this.#seat = seat;
      const link = await seat.connect(listen);
      if (this.#closed || link.closed) {
        link.close('lost', 'the page went away while joining');
        return;
      }
      this.#link = link;
      link.on('consumer', (c) => this.#notify('consumer', c as Notifications['consumer']));
      link.on('consumerClosed', (c) => this.#notify('consumerClosed', c));
      link.on('closed', (e) => {
        const kind = CLOSE_FOR_END[e.end];
        if (kind) this.#closeSocket(kind, e.reason);
      });
      const t = link.transports();
      const welcome: Welcome = {
        participantId: this.#claims.participantId,
        name: this.#claims.name,
        conference: { id: this.#conf.id, title: this.#conf.title },
        routerRtpCapabilities: link.routerRtpCapabilities as Welcome['routerRtpCapabilities'],
        send: t.send as Welcome['send'],
        recv: t.recv as Welcome['recv'],
        videoCodec: link.videoCodec(),
      };
      this.#notify('welcome', welcome);
      this.#conf.on('state', this.#onConf);
      this.#conf.on('participant', this.#onConf);
      this.#scheduleRoster();
      this.#ping = setInterval(() => this.#keepAlive(), PING_INTERVAL_S * 1000);
      this.#ping.unref();
    } catch (err) {
      const e = toVcError(err);
      this.#log.info({ code: e.code, err: e.message }, 'browser join refused');
      this.#closeSocket(
        e.code === 'FORBIDDEN' ? 'removed' : e.code === 'CONFERENCE_ENDED' ? 'gone' : 'restart',
        e.message,
      );
    }
  }

  async #onMessage(data: RawData, isBinary: boolean): Promise<void> {
    if (isBinary || this.#closed) return;
    if (!this.#limiter.take('page')) return this.#closeSocket('rateLimited', 'too many messages');
    let msg: ClientMessage;
    try {
      const parsed = Message.safeParse(JSON.parse(data.toString()));
      if (!parsed.success)
        throw new Error(parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; '));
      msg = parsed.data as unknown as ClientMessage;
    } catch (err) {
      this.#log.debug({ err: (err as Error).message }, 'unreadable message from the page');
      return;
    }
    try {
      const result = await this.#handle(msg);
      this.#send({ id: msg.id, result: result ?? null });
    } catch (err) {
      const e = toVcError(err, 'MEDIA_FAILED');
      this.#log.warn({ method: msg.method, code: e.code, err: e.message }, 'page request failed');
      this.#send({ id: msg.id, error: { code: e.code, message: e.message } });
    }
  }

  async #handle(msg: ClientMessage): Promise<unknown> {
    const link = this.#link;
    if (!link || link.closed)
      throw toVcError(new Error('this connection has no media any more; reconnecting'), 'MEDIA_FAILED');
    switch (msg.method) {
      case 'connectTransport':
        return link.connectTransport(msg.params.transportId, msg.params.dtlsParameters as ms.DtlsParameters);
      case 'produce':
        return {
          id: await link.produce(msg.params.transportId, msg.params.kind, msg.params.rtpParameters as ms.RtpParameters),
        };
      case 'ready':
        return link.start(msg.params.rtpCapabilities as ms.RtpCapabilities);
      case 'resume':
        return link.resume(msg.params.consumerId);
      case 'mute':
        return this.#seat?.setSelfMuted(msg.params.muted);
      case 'hand':
        if (msg.params.raised) this.#conf.control.raiseHand(this.#claims.participantId, 'browser');
        else this.#conf.control.clearHands(this.#claims.participantId);
        return null;
    }
  }

  #keepAlive(): void {
    if (!this.#alive) {
      this.#log.info('join page stopped answering pings; dropping its connection');
      this.#ws.terminate();
      return;
    }
    this.#alive = false;
    this.#ws.ping();
    this.#notify('ping', {});
  }

  #scheduleRoster(): void {
    if (this.#rosterTimer || this.#closed) return;
    this.#rosterTimer = setTimeout(() => {
      this.#rosterTimer = undefined;
      if (!this.#closed)
        this.#notify(
          'roster',
          rosterOf(this.#conf.view(), this.#claims.participantId, this.#conf.media.isMuted(this.#claims.participantId)),
        );
    }, ROSTER_DEBOUNCE_MS);
  }

  #onSocketClosed(code: number): void {
    const wasClosed = this.#closed;
    this.#teardown();
    if (wasClosed) return;
    // 1000/1001: the page said goodbye (closed tab, leave); anything else is a lost network
    const left = code === 1000 || code === 1001;
    this.#link?.close(left ? 'left' : 'lost', left ? 'the page left' : `connection lost (${code})`);
  }

  #closeSocket(kind: RefusalKind, reason: string): void {
    if (this.#closed) return;
    this.#teardown();
    // a close frame holds 123 bytes; the page words it from the code
    this.#ws.close(
      CLOSE_CODE_OF[kind],
      Buffer.from(reason)
        .subarray(0, 120)
        .toString()
        .replace(/\uFFFD+$/, ''),
    );
    const link = this.#link;
    if (link && !link.closed) link.close(kind === 'rateLimited' ? 'lost' : 'left', reason);
  }

  #teardown(): void {
    this.#closed = true;
    clearInterval(this.#ping);
    clearTimeout(this.#rosterTimer);
    this.#conf.off('state', this.#onConf);
    this.#conf.off('participant', this.#onConf);
  }

  #notify<N extends keyof Notifications>(method: N, params: Notifications[N]): void {
    this.#send({ method, params } as ServerMessage);
  }

  #send(m: ServerMessage): void {
    if (this.#ws.readyState === this.#ws.OPEN) this.#ws.send(JSON.stringify(m));
  }
}

/** The compact picture of the meeting the page draws. */
export function rosterOf(v: ConferenceView, self: string, mutedByBridge: boolean): Roster {
  const me = v.participants.find((p) => p.endpointId === self);
  const visible = (p: ParticipantView): boolean => p.state !== 'hungup' && p.state !== 'ended' && p.state !== 'failed';
  return {
    title: v.title,
    mode: v.mode,
    floor: v.floor,
    view: me?.viewing ?? null,
    mutedByBridge,
    handRaised: Boolean(me?.handRaisedAt),
    participants: v.participants.filter(visible).map((p) => ({
      id: p.endpointId,
      name: p.name,
      kind: p.kind,
      state: p.state,
      muted: p.muted,
      hasFloor: p.hasFloor,
    })),
  };
}
