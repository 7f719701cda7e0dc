// Foundation: the locally built mediasoup worker runs, takes the bridge's codec set, carries plain
// RTP, and completes ICE + DTLS with a real WebRTC peer (werift). Without the DtlsTransport patch the
// worker dies on the first DTLS handshake, so this is the test that proves the build.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import dgram from 'node:dgram';
import type { types as ms } from 'mediasoup';
import sdpTransform from 'sdp-transform';
import { MediaStreamTrack, RTCPeerConnection, RTCRtpCodecParameters, RtpHeader, RtpPacket } from 'werift';
import { silentLogger } from '../../daemon/util/logger.js';
import { WorkerPool } from '../../daemon/media/WorkerPool.js';
import { buildRtp } from '../../daemon/media/rtp/packet.js';
import { sleep } from '../helpers/wait.js';

let pool: WorkerPool;
let router: ms.Router;
const died: unknown[] = [];

beforeAll(async () => {
  pool = new WorkerPool({ log: silentLogger(), workers: 1, rtcPorts: { min: 10000, max: 59999 } });
  pool.on('died', (e) => died.push(e));
  await pool.start();
  router = await pool.routerFor('foundation');
});
afterAll(() => pool.close());

describe('mediasoup worker (locally built)', () => {
  it('creates a router with Opus, PCMU, PCMA, G722, H264 (packetization-mode 1 and 0) and VP8', () => {
    const names = (router.rtpCapabilities.codecs ?? []).map(
      (c) => c.mimeType + (c.mimeType === 'video/H264' ? `/pm${String(c.parameters?.['packetization-mode'])}` : ''),
    );
    for (const n of [
      'audio/opus',
      'audio/PCMU',
      'audio/PCMA',
      'audio/G722',
      'video/H264/pm1',
      'video/H264/pm0',
      'video/VP8',
    ]) {
      expect(names).toContain(n);
    }
  });

  it('a PlainTransport producer receives real RTP', async () => {
    const t = await router.createPlainTransport({
      listenInfo: { protocol: 'udp', ip: '127.0.0.1' },
      rtcpMux: true,
      comedia: true,
    });
    const p = await t.produce({
      kind: 'audio',
      rtpParameters: {
        codecs: [{ mimeType: 'audio/PCMA', clockRate: 8000, payloadType: 8 }],
        encodings: [{ ssrc: 4242 }],
      },
    });
    const s = dgram.createSocket('udp4');
    await new Promise<void>((r) => s.bind(0, '127.0.0.1', r));
    for (let i = 0; i < 20; i++)
      s.send(
        buildRtp({ pt: 8, seq: i, ts: i * 160, ssrc: 4242 }, Buffer.alloc(160, 0xd5)),
        t.tuple.localPort,
        '127.0.0.1',
      );
    await sleep(300);
    const stats = await p.getStats();
    s.close();
    t.close();
    expect(stats[0]?.packetCount).toBe(20);
  });

  it('a WebRtcTransport completes ICE and DTLS with werift and receives its SRTP', async () => {
    const wt = await router.createWebRtcTransport({
      listenInfos: [{ protocol: 'udp', ip: '127.0.0.1' }],
      enableUdp: true,
      enableTcp: false,
    });
    const pc = new RTCPeerConnection({
      codecs: {
        audio: [new RTCRtpCodecParameters({ mimeType: 'audio/opus', clockRate: 48000, channels: 2, payloadType: 111 })],
        video: [],
      },
    });
    try {
      const track = new MediaStreamTrack({ kind: 'audio' });
      pc.addTransceiver(track, { direction: 'sendonly' });
      await pc.setLocalDescription(await pc.createOffer());
      const offer = sdpTransform.parse(pc.localDescription!.sdp);
      const m = offer.media[0]!;
      const fp = offer.fingerprint ?? m.fingerprint!;
      await wt.connect({
        dtlsParameters: { role: 'client', fingerprints: [{ algorithm: fp.type as 'sha-256', value: fp.hash }] },
      });
      const ssrc = m.ssrcs!.find((x) => x.attribute === 'cname')!;
      const producer = await wt.produce({
        kind: 'audio',
        rtpParameters: {
          mid: String(m.mid),
          codecs: [{ mimeType: 'audio/opus', clockRate: 48000, channels: 2, payloadType: 111 }],
          encodings: [{ ssrc: Number(ssrc.id) }],
          rtcp: { cname: String(ssrc.value) },
        },
      });
      const cand = wt.iceCandidates[0]!;
      const answer = {
        version: 0,
        origin: { username: '-', sessionId: 1, sessionVersion: 1, netType: 'IN', ipVer: 4, address: '127.0.0.1' },
        name: '-',
        timing: { start: 0, stop: 0 },
        icelite: 'ice-lite',
        fingerprint: {
          type: 'sha-256',
          hash: wt.dtlsParameters.fingerprints.find((f) => f.algorithm === 'sha-256')!.value,
        },
        groups: [{ type: 'BUNDLE', mids: String(m.mid) }],
        media: [
          {
            type: 'audio',
            port: 7,
            protocol: m.protocol,
            payloads: '111',
            connection: { version: 4, ip: '127.0.0.1' },
            mid: m.mid,
            setup: 'passive',
            direction: 'recvonly',
            rtcpMux: 'rtcp-mux',
            iceUfrag: wt.iceParameters.usernameFragment,
            icePwd: wt.iceParameters.password,
            candidates: [
              {
                foundation: cand.foundation,
                component: 1,
                transport: 'udp',
                priority: cand.priority,
                ip: cand.address ?? '127.0.0.1',
                port: cand.port,
                type: 'host',
              },
            ],
            endOfCandidates: 'end-of-candidates',
            rtp: [{ payload: 111, codec: 'opus', rate: 48000, encoding: 2 }],
          },
        ],
      };
      await pc.setRemoteDescription({
        type: 'answer',
        sdp: sdpTransform.write(answer as sdpTransform.SessionDescription),
      });
      const t0 = Date.now();
      while (wt.dtlsState !== 'connected' && Date.now() - t0 < 10_000) await sleep(50);
      expect(wt.iceState).toMatch(/connected|completed/);
      expect(wt.dtlsState).toBe('connected');
      for (let i = 0; i < 30; i++) {
        track.writeRtp(
          new RtpPacket(
            new RtpHeader({
              payloadType: 111,
              sequenceNumber: i,
              timestamp: i * 960,
              ssrc: Number(ssrc.id),
              marker: false,
            }),
            Buffer.alloc(60, i),
          ),
        );
        await sleep(5);
      }
      await sleep(300);
      expect((await producer.getStats())[0]?.packetCount ?? 0).toBeGreaterThan(20);
      expect(died).toEqual([]);
    } finally {
      await pc.close();
      wt.close();
    }
  });
});
