// The program feed across a death of its mediasoup worker (real worker, SIGKILLed): the taps end; a
// tap asked for before the conference is rebuilt waits for the new router instead of failing on the
// dead one (a recorder re-taps 2 s after its part failed; on a busy machine the rebuild takes longer),
// and is served on the new router once rebuild() comes. A wait cut short by the meeting's end says so.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { types as ms } from 'mediasoup';
import { silentLogger } from '../../daemon/util/logger.js';
import { WorkerPool } from '../../daemon/media/WorkerPool.js';
import { VideoView } from '../../daemon/media/VideoView.js';
import { AudioMixer } from '../../daemon/media/AudioMixer.js';
import { ProgramFeed } from '../../daemon/media/program/ProgramFeed.js';
import type { FeedTap } from '../../daemon/media/program/FeedTap.js';
import { sleep, until } from '../helpers/wait.js';

const log = silentLogger();
let pool: WorkerPool;

beforeAll(async () => {
  pool = new WorkerPool({ log, workers: 1, rtcPorts: { min: 10000, max: 59999 } });
  await pool.start();
});
afterAll(() => pool.close());

/** A tap request and whether it has settled yet. */
function asked(feed: ProgramFeed): { p: Promise<FeedTap>; settled: () => boolean } {
  let done = false;
  const p = feed.tap().finally(() => (done = true));
  p.catch(() => undefined); // looked at by the test
  return { p, settled: () => done };
}

/** A conference's media as far as the feed needs it, on a router of the pool. */
async function makeFeed(
  id: string,
): Promise<{ router: ms.Router; view: VideoView; mixer: AudioMixer; feed: ProgramFeed }> {
  const router = await pool.routerFor(id);
  const view = await VideoView.create({ router, log });
  const mixer = new AudioMixer({ log, router });
  return { router, view, mixer, feed: new ProgramFeed({ router, view, mixer, log }) };
}

async function killWorkerOf(id: string, router: ms.Router): Promise<void> {
  process.kill(pool.workerOf(id)!.pid, 'SIGKILL');
  await until('the router is closed', () => router.closed, 30_000, 50);
}

describe('program feed and a worker death', () => {
  it('a tap asked for while the worker is dead waits for rebuild() and works on the new router', async () => {
    const { router, view, mixer, feed } = await makeFeed('feed-a');
    try {
      const first = await feed.tap();
      const ended: string[] = [];
      first.on('closed', (e) => ended.push(e.reason));
      await killWorkerOf('feed-a', router);
      await until('the first tap ended', () => first.closed, 30_000, 50);
      expect(ended).toHaveLength(1);

      const next = asked(feed);
      await sleep(1500);
      expect(next.settled()).toBe(false);
      let router2: ms.Router | undefined;
      await until(
        'the pool has a worker again',
        async () => {
          router2 = await pool.routerFor('feed-a2').catch(() => undefined);
          return router2 !== undefined;
        },
        30_000,
        200,
      );
      const view2 = await VideoView.create({ router: router2!, log });
      mixer.setRouter(router2!);
      feed.rebuild(router2!, view2);
      const tap = await next.p;
      expect(tap.closed).toBe(false);
      expect(tap.sdp).toMatch(/m=video \d+ RTP\/AVP \d+/);
      expect(tap.sdp).toMatch(/m=audio \d+ RTP\/AVP \d+/);
      expect(feed.videoProducer?.closed).toBe(false);
      expect(feed.taps).toBe(1);
      tap.close();
      view2.close();
    } finally {
      feed.close();
      mixer.close();
      view.close();
    }
  }, 90_000);

  it('the meeting ending meanwhile ends the wait with CONFERENCE_ENDED', async () => {
    const { router, view, mixer, feed } = await makeFeed('feed-b');
    try {
      await killWorkerOf('feed-b', router);
      const next = asked(feed);
      await sleep(500);
      expect(next.settled()).toBe(false);
      feed.close();
      await expect(next.p).rejects.toMatchObject({ code: 'CONFERENCE_ENDED' });
    } finally {
      feed.close();
      mixer.close();
      view.close();
    }
  }, 90_000);
});
