// config media.realtime: the media plane worker thread runs at real-time priority (SCHED_RR), read
// back from the kernel (/proc/<pid>/task/<tid>/stat), and so does the worker started after a failure.
// Needs CAP_SYS_NICE (the tests run as root here).
import fs from 'node:fs';
import { afterAll, describe, expect, it } from 'vitest';
import { silentLogger } from '../../daemon/util/logger.js';
import { MediaPlane, PLANE_RT_PRIORITY } from '../../daemon/media/plane/MediaPlane.js';

const SCHED_RR = 2;
let plane: MediaPlane | undefined;
afterAll(async () => {
  await plane?.close();
});

/** The thread's scheduling policy and real-time priority (fields 41 and 40 of its stat). */
function sched(tid: number): { policy: number; rtPriority: number } {
  const s = fs.readFileSync(`/proc/${process.pid}/task/${tid}/stat`, 'utf8');
  const f = s.slice(s.lastIndexOf(')') + 2).split(' '); // f[0] is field 3
  return { policy: Number(f[38]), rtPriority: Number(f[37]) };
}

describe.runIf(process.getuid?.() === 0)('the media plane at real-time priority', () => {
  it('runs its worker thread SCHED_RR, and the restarted worker too', async () => {
    plane = await MediaPlane.start({ log: silentLogger(), realtime: true });
    expect(plane.realtime).toBe(true);
    const tid = plane.threadId!;
    expect(sched(tid)).toEqual({ policy: SCHED_RR, rtPriority: PLANE_RT_PRIORITY });
    expect(sched(process.pid).policy, 'the rest of the process is untouched').toBe(0);

    const restarted = new Promise<void>((resolve) => plane!.once('restarted', () => resolve()));
    plane.injectFault();
    await restarted;
    expect(plane.threadId).not.toBe(tid);
    expect(sched(plane.threadId!)).toEqual({ policy: SCHED_RR, rtPriority: PLANE_RT_PRIORITY });
  });
});
