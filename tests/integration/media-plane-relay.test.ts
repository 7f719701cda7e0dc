// The media plane worker's relays and their ports: the worker binds a relay's room-facing pair
// itself (no port closed on one thread and bound again on the other, where another process could
// take it in between), a pair another process holds is skipped for the pool's next one, a full
// range is a clear error, and a relay's counters go on across a worker restart. A port taken while
// the worker restarts makes the leg report its media lost (it is then dialled again) instead of
// staying connected without audio. Real worker thread, real UDP sockets on 127.0.0.1.
import dgram from 'node:dgram';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { silentLogger } from '../../daemon/util/logger.js';
import { VcError } from '../../daemon/errors.js';
import { RelayPortPool } from '../../daemon/media/RelayPortPool.js';
import { MediaPlane } from '../../daemon/media/plane/MediaPlane.js';
import { PlaneRelay } from '../../daemon/media/plane/PlaneRelay.js';
import { buildRtp } from '../../daemon/media/rtp/packet.js';
import { until } from '../helpers/wait.js';

const log = silentLogger();
let plane: MediaPlane;
const closers: (() => void)[] = [];

beforeAll(async () => {
  plane = await MediaPlane.start({ log, nice: 0 });
});
afterAll(async () => {
  for (const f of closers.reverse()) f();
  await plane.close();
});

function bindAt(port: number): Promise<dgram.Socket | undefined> {
  return new Promise((resolve) => {
    const s = dgram.createSocket('udp4');
    s.once('error', () => {
      s.close();
      resolve(undefined);
    });
    s.bind(port, '127.0.0.1', () => resolve(s));
  });
}

/** Four free ports from an even one, with the first pair held by "another process" (sockets here). */
async function rangeWithFirstPairTaken(): Promise<{ min: number; taken: dgram.Socket[] }> {
  for (let min = 46_000 + 4 * Math.floor(Math.random() * 200); min < 49_000; min += 4) {
    const s = await Promise.all([0, 1, 2, 3].map((i) => bindAt(min + i)));
    if (s.every(Boolean)) {
      s[2]!.close();
      s[3]!.close();
      return { min, taken: [s[0]!, s[1]!] };
    }
    for (const x of s) x?.close();
  }
  throw new Error('no four free ports in 46000-49000');
}

const open = (ports: RelayPortPool, legId: string): Promise<PlaneRelay> =>
  PlaneRelay.open(plane, { legId, ports, rtpTimeoutMs: 60_000 });

describe('relay ports bound by the media plane worker', () => {
  it('skips a pair another process holds, and a full range is a clear error with nothing held', async () => {
    const { min, taken } = await rangeWithFirstPairTaken();
    closers.push(() => taken.forEach((s) => s.close()));
    const ports = new RelayPortPool({ range: { min, max: min + 3 }, address: '127.0.0.1' });
    const relay = await open(ports, 'a');
    closers.push(() => relay.close());
    expect(relay.ports).toEqual({ port: min + 2, rtcpPort: min + 3 });
    expect(ports.inUse).toBe(1);
    // the worker holds the pair: nobody else can bind it now
    expect(await bindAt(min + 2)).toBeUndefined();

    const err = await open(ports, 'b').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(VcError);
    expect((err as VcError).code).toBe('CAPACITY_EXCEEDED');
    expect((err as VcError).message).toContain(`${min}-${min + 3}`);
    expect(ports.inUse).toBe(1);

    relay.close();
    ports.release(relay.ports);
    expect(ports.inUse).toBe(0);
    // closed in the worker: the pair is free again
    await until(
      'the released pair to be free',
      async () => {
        const s = await bindAt(min + 2);
        s?.close();
        return s !== undefined;
      },
      10_000,
    );
  });

  it('keeps counting across a worker restart, and a port taken meanwhile reports the media lost', async () => {
    const ports = new RelayPortPool({ range: { min: 0, max: 0 }, address: '127.0.0.1' });
    const room = await bindAt(0);
    closers.push(() => room!.close());
    const relay = await open(ports, 'c');
    closers.push(() => relay.close());
    relay.setRemote(
      {
        address: '127.0.0.1',
        port: room!.address().port,
        rtcpPort: room!.address().port + 1,
        rtcpMux: false,
        pt: 0,
        clockRate: 8000,
        routerPt: 0,
        expectRtp: true,
        sendRtp: true,
      },
      'PCMU',
    );
    let seq = 0;
    const send = (n: number): void => {
      for (let i = 0; i < n; i++, seq++) {
        const pkt = buildRtp({ pt: 0, seq, ts: seq * 160, ssrc: 0x1234 }, Buffer.alloc(160, 0xff));
        room!.send(pkt, relay.localPort, '127.0.0.1');
      }
    };
    send(40);
    await until('40 packets counted', async () => (await relay.counters()).rtpIn >= 40, 10_000);
    const before = await relay.counters();
    const port = relay.localPort;

    const restarted = new Promise<void>((resolve) => plane.once('restarted', () => resolve()));
    plane.injectFault();
    await restarted;
    // the new worker counts from zero; the relay's counters go on from the old one's
    const after = await relay.counters();
    expect(after.rtpIn).toBeGreaterThanOrEqual(before.rtpIn);
    expect(after.bytesIn).toBeGreaterThanOrEqual(before.bytesIn);
    expect(relay.localPort, 'the same port as before the restart').toBe(port);
    send(10);
    await until('10 more packets counted', async () => (await relay.counters()).rtpIn >= before.rtpIn + 10, 10_000);

    // Now another process takes the relay's port while the worker is down.
    const lost = new Promise<{ silentMs: number }>((resolve) => relay.once('rtpTimeout', resolve));
    const thief: dgram.Socket[] = [];
    const died = new Promise<void>((resolve) => plane.once('died', () => resolve()));
    const again = new Promise<void>((resolve) => plane.once('restarted', () => resolve()));
    plane.injectFault();
    await died;
    // the dead worker's sockets close with its thread; take the port before the new one starts
    await until(
      "the dead worker's port to be free",
      async () => {
        const s = await bindAt(port);
        if (s) thief.push(s);
        return s !== undefined;
      },
      5000,
      2,
    );
    closers.push(() => thief.forEach((s) => s.close()));
    await again;
    const e = await lost;
    expect(e.silentMs).toBeGreaterThanOrEqual(0);
    // the relay is gone from the worker: asking it is an error, not a hang
    await expect(relay.counters()).rejects.toThrow(/no relay/);
  });
});
