// A tiny RTP endpoint for SIP tests that need media but no media layer: it sends a G.711 tone
// every 20 ms to wherever it is pointed and counts the RTP packets it receives.
import { createSocket, type Socket } from 'node:dgram';

export interface RtpEndpoint {
  readonly port: number;
  /** RTP packets received (RTCP excluded), by payload type. */
  readonly received: { total: number; byPayloadType: Map<number, number>; ssrcs: Set<number> };
  /** Start sending a tone (PT 0 = PCMU, 8 = PCMA) to address:port every 20 ms. */
  sendTo(address: string, port: number, payloadType?: number, hz?: number): void;
  readonly sent: number;
  close(): Promise<void>;
}

export async function startRtpEndpoint(): Promise<RtpEndpoint> {
  const sock: Socket = createSocket('udp4');
  await new Promise<void>((r) => sock.bind(0, '127.0.0.1', () => r()));
  const received = { total: 0, byPayloadType: new Map<number, number>(), ssrcs: new Set<number>() };
  sock.on('message', (m) => {
    if (m.length < 12 || (m[0]! & 0xc0) !== 0x80) return;
    const pt = m[1]! & 0x7f;
    if (pt >= 72 && pt <= 76) return; // RTCP on the same port
    received.total++;
    received.byPayloadType.set(pt, (received.byPayloadType.get(pt) ?? 0) + 1);
    received.ssrcs.add(m.readUInt32BE(8));
  });
  let timer: NodeJS.Timeout | undefined;
  let sent = 0;
  return {
    port: sock.address().port,
    received,
    get sent() {
      return sent;
    },
    sendTo(address, port, payloadType = 0, hz = 1000) {
      clearInterval(timer);
      const ssrc = (Math.random() * 2 ** 32) >>> 0;
      let seq = Math.floor(Math.random() * 65535);
      let ts = Math.floor(Math.random() * 2 ** 31);
      let phase = 0;
      timer = setInterval(() => {
        const pcm = new Int16Array(160);
        for (let i = 0; i < 160; i++) pcm[i] = Math.round(8000 * Math.sin((2 * Math.PI * hz * (phase + i)) / 8000));
        phase += 160;
        const payload = payloadType === 8 ? pcm.map(linearToAlaw) : pcm.map(linearToUlaw);
        const h = Buffer.alloc(12);
        h[0] = 0x80;
        h[1] = payloadType & 0x7f;
        h.writeUInt16BE(seq & 0xffff, 2);
        h.writeUInt32BE(ts >>> 0, 4);
        h.writeUInt32BE(ssrc, 8);
        seq++;
        ts += 160;
        sock.send(Buffer.concat([h, Buffer.from(Uint8Array.from(payload))]), port, address);
        sent++;
      }, 20);
    },
    async close() {
      clearInterval(timer);
      await new Promise<void>((r) => sock.close(() => r()));
    },
  };
}

// G.711 encoders after the classic Sun g711.c.
const SEG_A = [0x1f, 0x3f, 0x7f, 0xff, 0x1ff, 0x3ff, 0x7ff, 0xfff];
const SEG_U = [0x3f, 0x7f, 0xff, 0x1ff, 0x3ff, 0x7ff, 0xfff, 0x1fff];

function segment(v: number, table: number[]): number {
  const i = table.findIndex((end) => v <= end);
  return i < 0 ? 8 : i;
}

/** G.711 mu-law of one 16-bit sample. */
export function linearToUlaw(sample: number): number {
  let pcm = sample >> 2;
  let mask = 0xff;
  if (pcm < 0) {
    pcm = -pcm;
    mask = 0x7f;
  }
  pcm = Math.min(pcm, 8159) + 0x21;
  const seg = segment(pcm, SEG_U);
  if (seg >= 8) return 0x7f ^ mask;
  return (((seg << 4) | ((pcm >> (seg + 1)) & 0x0f)) ^ mask) & 0xff;
}

/** G.711 A-law of one 16-bit sample. */
export function linearToAlaw(sample: number): number {
  let pcm = sample >> 3;
  let mask = 0xd5;
  if (pcm < 0) {
    mask = 0x55;
    pcm = -pcm - 1;
  }
  const seg = segment(pcm, SEG_A);
  if (seg >= 8) return 0x7f ^ mask;
  const aval = (seg << 4) | (seg < 2 ? (pcm >> 1) & 0x0f : (pcm >> seg) & 0x0f);
  return (aval ^ mask) & 0xff;
}
