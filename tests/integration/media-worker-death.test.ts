// A mediasoup worker killed with SIGKILL: the pool reports the conferences it carried, respawns the
// worker, keeps this process alive, and a leg rebuilt on another router keeps its SDP ports and
// carries media again.
import { afterAll, describe, expect, it } from 'vitest';
import { silentLogger } from '../../daemon/util/logger.js';
import { WorkerPool, type WorkerDied } from '../../daemon/media/WorkerPool.js';
import { RelayPortPool } from '../../daemon/media/RelayPortPool.js';
import { SipMediaLeg } from '../../daemon/media/SipMediaLeg.js';
import { SimRoom } from '../helpers/simRoom.js';
import { sleep } from '../helpers/wait.js';

const log = silentLogger();
const cleanup: (() => void)[] = [];
afterAll(() => {
  for (const f of cleanup.reverse()) f();
});

describe('WorkerPool when a worker dies', () => {
  it('emits died with the conference ids, respawns, and a leg moves to a new router keeping its ports', async () => {
    const pool = new WorkerPool({ log, workers: 2, rtcPorts: { min: 10000, max: 59999 } });
    cleanup.push(() => pool.close());
    await pool.start();
    const r1 = await pool.routerFor('c1');
    const r2 = await pool.routerFor('c2');
    expect(await pool.routerFor('c1')).toBe(r1);
    const w1 = pool.workerOf('c1')!;
    const w2 = pool.workerOf('c2')!;
    expect(w1.index, 'conferences spread over workers').not.toBe(w2.index);

    const ports = new RelayPortPool({ range: { min: 0, max: 0 }, address: '127.0.0.1' });
    const sim = await SimRoom.create({ codec: 'PCMU', pt: 0, toneHz: 440 });
    const leg = await SipMediaLeg.create({
      id: 'x',
      router: r1,
      ports,
      log,
      announcedAddress: '127.0.0.1',
      kinds: ['audio'],
    });
    cleanup.push(() => {
      sim.close();
      leg.close();
    });
    await leg.setRemote({
      address: '127.0.0.1',
      audio: { port: sim.port, rtcpPort: sim.rtcpPort, pt: 0, codec: 'PCMU', clockRate: 8000 },
    });
    const local = leg.localDescription();
    sim.start({ address: '127.0.0.1', port: local.audio!.port });
    await sleep(300);
    expect((await leg.audioProducer!.getStats())[0]?.packetCount).toBeGreaterThan(5);

    const died = new Promise<WorkerDied>((resolve) => pool.once('died', resolve));
    const respawned = new Promise<{ workerIndex: number; pid: number }>((resolve) => pool.once('respawned', resolve));
    const routerClosed = new Promise<void>((resolve) => leg.once('routerClosed', resolve));
    process.kill(w1.pid, 'SIGKILL');
    const d = await died;
    expect(d.conferenceIds).toEqual(['c1']);
    expect(d.pid).toBe(w1.pid);
    await routerClosed;
    const again = await respawned;
    expect(again.workerIndex).toBe(w1.index);
    expect(again.pid).not.toBe(w1.pid);
    expect(r2.closed, 'the other worker is untouched').toBe(false);

    // The conference layer rebuilds c1 on a (possibly new) router; the leg keeps its relay ports.
    const r1b = await pool.routerFor('c1');
    expect(r1b).not.toBe(r1);
    await leg.moveTo(r1b);
    expect(leg.localDescription()).toEqual(local);
    await sleep(400);
    expect((await leg.audioProducer!.getStats())[0]?.packetCount ?? 0).toBeGreaterThan(5);
    expect(pool.workers.every((w) => w.pid !== undefined)).toBe(true);
  });
});
