// The program feed's audio: the mixer's full mix (everyone unmuted, nobody subtracted), encoded to
// Opus and produced into the router as one constant-SSRC producer, so any number of plain consumers
// (the recorder, the live packager) can take it like any other stream.
//
//   AudioMixer full mix (16 kHz, 20 ms) ─▶ clamp ─▶ Opus ─▶ RTP ─▶ socket ─▶ PlainTransport ─▶ Producer
import dgram from 'node:dgram';
import type { types as ms } from 'mediasoup';
import { say } from '../../../protocol/index.js';
import { VcError } from '../../errors.js';
import type { Logger } from '../../util/logger.js';
import type { ConferenceMixer } from '../AudioMixer.js';
import { clamp16, FRAME_SAMPLES } from '../codecs/AudioCodec.js';
import { OpusCodec } from '../codecs/OpusCodec.js';
import { OutboundStream } from '../rtp/OutboundStream.js';
import { producerParams } from '../mediaCodecs.js';

/** Bitrate of the program's Opus (mono speech and room sound; the recording's quality, too). */
const PROGRAM_OPUS_BPS = 48_000;

export class ProgramAudio {
  readonly producer: ms.Producer;
  readonly #log: Logger;
  readonly #socket: dgram.Socket;
  readonly #transport: ms.PlainTransport;
  readonly #codec = new OpusCodec(PROGRAM_OPUS_BPS);
  readonly #stream: OutboundStream;
  readonly #pcm = new Int16Array(FRAME_SAMPLES);
  readonly #pt: number;
  readonly #unlisten: () => void;
  #errors = 0;
  #closed = false;

  static async create(o: { router: ms.Router; mixer: ConferenceMixer; log: Logger }): Promise<ProgramAudio> {
    const socket = dgram.createSocket('udp4');
    await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', resolve));
    let transport: ms.PlainTransport | undefined;
    try {
      transport = await o.router.createPlainTransport({
        listenInfo: { protocol: 'udp', ip: '127.0.0.1' },
        rtcpMux: true,
        comedia: false,
      });
      await transport.connect({ ip: '127.0.0.1', port: socket.address().port });
      const codec = (o.router.rtpCapabilities.codecs ?? []).find((c) => c.mimeType.toLowerCase() === 'audio/opus');
      if (!codec) throw new VcError('MEDIA_FAILED', say('media.prog.noOpus'));
      const stream = new OutboundStream();
      const producer = await transport.produce({
        kind: 'audio',
        rtpParameters: producerParams(codec, stream.ssrc),
        appData: { program: 'audio' },
      });
      return new ProgramAudio(o, socket, transport, producer, stream, codec.preferredPayloadType ?? 0);
    } catch (e) {
      if (transport && !transport.closed) transport.close();
      socket.close();
      throw e;
    }
  }

  private constructor(
    o: { mixer: ConferenceMixer; log: Logger },
    socket: dgram.Socket,
    transport: ms.PlainTransport,
    producer: ms.Producer,
    stream: OutboundStream,
    pt: number,
  ) {
    this.#log = o.log.child({ component: 'media.program.audio' });
    this.#socket = socket;
    this.#transport = transport;
    this.producer = producer;
    this.#stream = stream;
    this.#pt = pt;
    // RTCP from mediasoup (receiver reports) needs no answer
    socket.on('message', () => undefined);
    socket.on('error', (e) => this.#log.warn({ err: e }, 'program audio socket error'));
    this.#unlisten = o.mixer.onFullMix((sum) => this.#frame(sum));
  }

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#unlisten();
    if (!this.#transport.closed) this.#transport.close();
    this.#socket.close();
    this.#codec.close();
  }

  #frame(sum: Int32Array): void {
    if (this.#closed) return;
    try {
      for (let i = 0; i < FRAME_SAMPLES; i++) this.#pcm[i] = clamp16(sum[i]!);
      const now = performance.now();
      const pkt = this.#stream.frame(this.#pt, this.#codec.encode(this.#pcm), 960, now);
      const port = this.#transport.tuple.localPort;
      if (pkt) this.#socket.send(pkt, port, '127.0.0.1');
      const sr = this.#stream.senderReport(now, Date.now(), 48000);
      if (sr) this.#socket.send(sr, port, '127.0.0.1');
    } catch (e) {
      // the mixer's clock must keep running for the rooms whatever happens to the program
      if (this.#errors++ % 500 === 0) this.#log.warn({ err: e, errors: this.#errors }, 'program audio frame failed');
    }
  }
}
