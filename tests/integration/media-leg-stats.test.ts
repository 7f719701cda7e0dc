// LegStats over real legs: a room on a lossy link (every 10th packet lost) and a clean one, mixed
// through a real worker; the figures must show the loss, the codec and plausible bitrates.
import { afterAll, describe, expect, it } from 'vitest';
import { silentLogger } from '../../daemon/util/logger.js';
import { WorkerPool } from '../../daemon/media/WorkerPool.js';
import { RelayPortPool } from '../../daemon/media/RelayPortPool.js';
import { SipMediaLeg } from '../../daemon/media/SipMediaLeg.js';
import { AudioMixer } from '../../daemon/media/AudioMixer.js';
import { LegStats, type LegStatsSample } from '../../daemon/media/LegStats.js';
import { SimRoom } from '../helpers/simRoom.js';
import { sleep } from '../helpers/wait.js';

const log = silentLogger();
const cleanup: (() => void)[] = [];
afterAll(() => {
  for (const f of cleanup.reverse()) f();
});

describe('LegStats', () => {
  it('reports loss, jitter, bitrates and codec per leg every interval', async () => {
    const pool = new WorkerPool({ log, workers: 1, rtcPorts: { min: 10000, max: 59999 } });
    cleanup.push(() => pool.close());
    await pool.start();
    const router = await pool.routerFor('stats');
    const ports = new RelayPortPool({ range: { min: 0, max: 0 }, address: '127.0.0.1' });
    const mixer = new AudioMixer({ log, router });
    const stats = new LegStats({ log, intervalMs: 500 });
    cleanup.push(() => {
      stats.close();
      mixer.close();
    });
    for (const [id, loseEvery] of [
      ['lossy', 10],
      ['clean', 0],
    ] as const) {
      const sim = await SimRoom.create({ codec: 'PCMA', pt: 8, toneHz: 440, loseEvery });
      const leg = await SipMediaLeg.create({ id, router, ports, log, announcedAddress: '127.0.0.1', kinds: ['audio'] });
      cleanup.push(() => {
        sim.close();
        leg.close();
      });
      await leg.setRemote({
        address: '127.0.0.1',
        audio: { port: sim.port, rtcpPort: sim.rtcpPort, pt: 8, codec: 'PCMA', clockRate: 8000 },
      });
      mixer.addSipLeg(id, leg);
      stats.add(id, leg);
      sim.start({ address: '127.0.0.1', port: leg.localDescription().audio!.port });
    }
    const samples: LegStatsSample[] = [];
    stats.on('stats', (s) => samples.push(s));
    await sleep(2700);
    const last = (id: string): LegStatsSample => samples.filter((s) => s.legId === id).at(-1)!;
    expect(samples.filter((s) => s.legId === 'lossy').length).toBeGreaterThanOrEqual(4);
    const lossy = last('lossy').audio!;
    const clean = last('clean').audio!;
    expect(lossy.codec).toBe('PCMA');
    expect(lossy.lossInPct).toBeGreaterThan(4);
    expect(lossy.lossInPct).toBeLessThan(20);
    expect(clean.lossInPct).toBe(0);
    // PCMA 20 ms: 172 bytes a packet, 50 a second ≈ 69 kbit/s each way (the mix goes back to the room).
    // One 500 ms interval on a busy machine catches a late or a doubled burst of the simulated room's
    // pacing, so the figure checked is the mean over the intervals after the first (which has no rate).
    const rates = samples
      .filter((s) => s.legId === 'clean')
      .slice(1)
      .map((s) => s.audio!);
    const mean = (xs: number[]): number => xs.reduce((a, b) => a + b, 0) / xs.length;
    expect(mean(rates.map((r) => r.kbpsIn))).toBeGreaterThan(50);
    expect(mean(rates.map((r) => r.kbpsIn))).toBeLessThan(90);
    expect(mean(rates.map((r) => r.kbpsOut))).toBeGreaterThan(50);
    expect(clean.jitterInMs).not.toBeNull();
    expect(clean.packetsOut).toBeGreaterThan(50);
    expect(last('clean').video).toBeUndefined();
  });
});
