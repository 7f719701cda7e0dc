// One consumer of a conference's program feed: a PlainTransport per stream towards two local UDP
// port pairs and the SDP that tells a local process (ffmpeg -i x.sdp) where to listen. Several taps
// on one feed are independent (the recorder, the live packager).
import dgram from 'node:dgram';
import type { types as ms } from 'mediasoup';
import type { Logger } from '../../util/logger.js';
import { TypedEmitter } from '../../util/TypedEmitter.js';
import { say } from '../../../protocol/index.js';
import { VcError } from '../../errors.js';
import { plainConsumeCaps, producerCodec } from '../mediaCodecs.js';

export type FeedTapEvents = {
  /** The tap ended (close(), or its producers went away: feed stopped, worker died, meeting ended). */
  closed: [{ reason: string }];
};

/** Attempts to find a free even/odd UDP port pair on 127.0.0.1. */
const PORT_PAIR_TRIES = 20;

async function bindOn(port: number): Promise<dgram.Socket | undefined> {
  const s = dgram.createSocket('udp4');
  return new Promise((resolve) => {
    s.once('error', () => {
      s.close();
      resolve(undefined);
    });
    s.bind(port, '127.0.0.1', () => resolve(s));
  });
}

/** An even RTP port whose RTCP port (+1) is free too; free again when this returns (the reader binds them). */
export async function freePortPair(): Promise<number> {
  for (let i = 0; i < PORT_PAIR_TRIES; i++) {
    const a = await bindOn(0);
    if (!a) continue;
    const p = a.address().port;
    const even = p % 2 === 0 ? p : p + 1;
    const rtp = even === p ? a : await bindOn(even);
    const rtcp = rtp && even + 1 < 65536 ? await bindOn(even + 1) : undefined;
    for (const s of new Set([a, rtp, rtcp])) s?.close();
    if (rtp && rtcp) return even;
  }
  throw new VcError('MEDIA_FAILED', say('media.prog.noPortPair', { address: '127.0.0.1' }));
}

interface Leg {
  transport: ms.PlainTransport;
  consumer: ms.Consumer;
  port: number;
  pt: number;
}

export class FeedTap extends TypedEmitter<FeedTapEvents> {
  /** SDP for `ffmpeg -protocol_whitelist file,udp,rtp -i x.sdp`: one H.264 video, one Opus audio. */
  readonly sdp: string;
  readonly #video: Leg;
  readonly #audio: Leg;
  readonly #onClose: () => void;
  readonly #log: Logger;
  #closed = false;

  static async open(o: {
    router: ms.Router;
    video: ms.Producer;
    audio: ms.Producer;
    log: Logger;
    onClose: () => void;
  }): Promise<FeedTap> {
    const legs: Leg[] = [];
    try {
      for (const p of [o.video, o.audio]) legs.push(await FeedTap.#leg(o.router, p));
    } catch (e) {
      for (const l of legs) if (!l.transport.closed) l.transport.close();
      throw e instanceof VcError
        ? e
        : new VcError('MEDIA_FAILED', say('media.prog.tapFailed', { why: (e as Error).message }), undefined, {
            cause: e,
          });
    }
    return new FeedTap(legs[0]!, legs[1]!, o.log, o.onClose);
  }

  static async #leg(router: ms.Router, producer: ms.Producer): Promise<Leg> {
    const port = await freePortPair();
    const transport = await router.createPlainTransport({
      listenInfo: { protocol: 'udp', ip: '127.0.0.1' },
      rtcpMux: false,
      comedia: false,
    });
    try {
      await transport.connect({ ip: '127.0.0.1', port, rtcpPort: port + 1 });
      const codec = producerCodec(router.rtpCapabilities, producer);
      const consumer = await transport.consume({ producerId: producer.id, rtpCapabilities: plainConsumeCaps(codec) });
      return { transport, consumer, port, pt: consumer.rtpParameters.codecs[0]?.payloadType ?? 0 };
    } catch (e) {
      transport.close();
      throw e;
    }
  }

  private constructor(video: Leg, audio: Leg, log: Logger, onClose: () => void) {
    super();
    this.#log = log;
    this.#video = video;
    this.#audio = audio;
    this.#onClose = onClose;
    this.sdp = [
      'v=0',
      'o=- 0 0 IN IP4 127.0.0.1',
      's=vcbridge program',
      'c=IN IP4 127.0.0.1',
      't=0 0',
      `m=video ${video.port} RTP/AVP ${video.pt}`,
      `a=rtpmap:${video.pt} H264/90000`,
      `a=fmtp:${video.pt} packetization-mode=1`,
      'a=recvonly',
      `m=audio ${audio.port} RTP/AVP ${audio.pt}`,
      `a=rtpmap:${audio.pt} opus/48000/2`,
      'a=recvonly',
      '',
    ].join('\r\n');
    for (const l of [video, audio]) {
      l.consumer.on('producerclose', () => this.close('the program feed stopped'));
      l.consumer.on('transportclose', () => this.close('the program feed stopped'));
    }
  }

  get closed(): boolean {
    return this.#closed;
  }

  /** Ask the picture's encoder (or the room on the floor) for a keyframe: a copied stream starts on one. */
  requestKeyFrame(): void {
    if (this.#closed || this.#video.consumer.closed) return;
    this.#video.consumer
      .requestKeyFrame()
      .catch((err: unknown) => this.#log.debug({ err }, 'program keyframe request failed'));
  }

  /** Stop the consumers, free the ports. Idempotent. */
  close(reason = 'closed'): void {
    if (this.#closed) return;
    this.#closed = true;
    for (const l of [this.#video, this.#audio]) if (!l.transport.closed) l.transport.close();
    this.#onClose();
    this.emit('closed', { reason });
    this.removeAllListeners();
  }
}
