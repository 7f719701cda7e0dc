// A compositor process whose main loop stops answering (SIGSTOP: as stuck as a deadlock) is found out
// by the daemon's ping, killed and replaced, and its canvas restored on the new process with the same
// output producer (rooms keep their consumers). Real GStreamer controller, real mediasoup worker.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { types as ms } from 'mediasoup';
import { WorkerPool } from '../../daemon/media/WorkerPool.js';
import { Compositor } from '../../daemon/media/compositor/Compositor.js';
import { STUCK_MS } from '../../daemon/media/compositor/GstProcess.js';
import { silentLogger } from '../../daemon/util/logger.js';
import { until } from '../helpers/wait.js';

let pool: WorkerPool;
let router: ms.Router;
let comp: Compositor;

beforeAll(async () => {
  pool = new WorkerPool({ log: silentLogger(), workers: 1, rtcPorts: { min: 21000, max: 21099 } });
  await pool.start();
  router = await pool.routerFor('stuck');
  comp = await Compositor.create({ router, log: silentLogger() });
}, 60_000);

afterAll(() => {
  comp?.close();
  pool?.close();
});

const alive = (pid: number): boolean => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

describe('a stuck compositor process', () => {
  it('is killed and replaced; the canvas comes back with the same producer', async () => {
    const cls = { key: 'H264/1' as const, width: 640, height: 360, fps: 25, kbps: 500 };
    const spec = { cls, layout: '2x2' as const, banner: null, panes: [{ sourceId: null, label: '小关镇' }] };
    const producers = await comp.setCanvases(new Map([['grid', spec]]));
    const producer = producers.get('grid')!;
    const pid = comp.pid!;
    let restarted: { pid: number | undefined } | undefined;
    comp.once('restarted', (e) => (restarted = e));
    process.kill(pid, 'SIGSTOP');
    await until('the stuck process replaced', () => restarted !== undefined, STUCK_MS + 50_000, 200);
    expect(restarted!.pid).not.toBe(pid);
    expect(comp.pid).toBe(restarted!.pid);
    await until('the stuck process gone', () => !alive(pid), 10_000);
    // the canvas lives on the new process, behind the same producer
    expect(comp.output('grid')).toBe(producer);
    expect(producer.closed).toBe(false);
    const again = await comp.setCanvases(new Map([['grid', { ...spec, banner: '防汛' }]]));
    expect(again.get('grid')).toBe(producer);
  }, 120_000);
});
