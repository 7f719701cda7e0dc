// Browser participants: how long from opening the join link to the first remote video frame on the
// page, and what each browser costs the mediasoup worker (and this process, the bridge).
//   npx tsx bench/browser.ts            BENCH_BROWSERS=3 BENCH_SECONDS=10 by default
// Two baresip rooms (PCMA, H.264 video) are in the conference; each browser (headless Chromium, fake
// camera and microphone, its own window) sends audio and video and receives every other stream.
// One worker, so its CPU is all in one process; CPU is read from /proc before and after the browsers.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { build } from 'esbuild';
import type { Page } from 'playwright-core';
import { BaresipRoom } from '../tests/peers/baresipRoom.js';
import { ChromiumPeer } from '../tests/peers/chromium.js';
import { startBridge } from '../tests/helpers/conferenceBridge.js';
import { startBrowserJoin } from '../daemon/web/wiring.js';
import { silentLogger } from '../daemon/util/logger.js';

const BROWSERS = Number(process.env.BENCH_BROWSERS ?? 3);
const SECONDS = Number(process.env.BENCH_SECONDS ?? 10);
const TICK = 100; // USER_HZ
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

function cpuTicks(pid: number): number {
  const f = fs.readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  return Number(f[11]) + Number(f[12]);
}
/** % of one core used by each pid over `secs`. */
async function cpuOver(pids: number[], secs: number): Promise<number[]> {
  const a = pids.map(cpuTicks);
  await sleep(secs * 1000);
  return pids.map((p, i) => ((cpuTicks(p) - a[i]!) / TICK / secs) * 100);
}
const pct = (x: number): string => `${x.toFixed(1)} %`;

async function until(what: string, fn: () => Promise<boolean> | boolean, ms: number): Promise<void> {
  const end = Date.now() + ms;
  while (!(await fn())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await sleep(100);
  }
}

async function main(): Promise<void> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'vcb-bench-browser-'));
  const pageScript = path.join(dir, 'page.js');
  await build({
    entryPoints: ['daemon/web/page.ts'],
    bundle: true,
    format: 'esm',
    platform: 'browser',
    target: 'chrome110',
    outfile: pageScript,
    minify: true,
    logLevel: 'warning',
  });
  const rooms: BaresipRoom[] = [];
  let chrome: ChromiumPeer | undefined;
  const bridge = await (async () => {
    for (const [name, hz] of [
      ['mihe', 440],
      ['xiaoguan', 660],
    ] as const) {
      rooms.push(await BaresipRoom.start({ name, toneHz: hz, video: 'H264', audioCodecs: ['PCMA'] }));
    }
    return startBridge({
      workers: 1,
      endpoints: rooms.map((r) => ({
        id: r.o.name,
        name: { zh: r.o.name, en: r.o.name },
        kind: 'town',
        uri: r.uri,
        codecs: { audio: ['PCMA'], video: ['H264'] },
      })),
    });
  })();
  const web = startBrowserJoin({
    router: bridge.router,
    api: bridge.api,
    manager: bridge.manager,
    kv: bridge.store.kv,
    config: () => bridge.config,
    log: silentLogger(),
    pageScript,
    rate: { perSecond: 10, burst: 100 },
  });
  try {
    const conf = await bridge.manager.start(
      { title: 'bench', endpoints: rooms.map((r) => r.o.name), mode: 'voice' },
      'bench',
    );
    await until(
      'rooms connected',
      () => bridge.manager.show(conf.id).participants.every((p) => p.state === 'connected'),
      15_000,
    );
    const worker = bridge.pool.workerOf(conf.id)!.pid;
    await sleep(2000);
    const [w0, b0] = await cpuOver([worker, process.pid], SECONDS);

    chrome = await ChromiumPeer.launch();
    const pages: Page[] = [];
    const firstFrame: number[] = [];
    for (let i = 0; i < BROWSERS; i++) {
      const { tokens } = web;
      const link = `${bridge.url.replace(/^ws/, 'http')}/join?t=${tokens.issue({ conferenceId: conf.id, name: `bureau ${i + 1}`, ttlMs: 3_600_000 }).token}`;
      const { page } = await chrome.open(link);
      await until(
        `browser ${i + 1}'s first frame`,
        () => page.evaluate(() => window.vcbridge.state().firstFrameAt !== null),
        20_000,
      );
      firstFrame.push(await page.evaluate(() => window.vcbridge.state().firstFrameAt!));
      pages.push(page);
    }
    await until(
      'every browser receives every stream',
      async () => {
        for (const p of pages) {
          const s = await p.evaluate(() => window.vcbridge.stats());
          if (s.length < 2 * (rooms.length + BROWSERS - 1)) return false;
        }
        return true;
      },
      20_000,
    );
    await sleep(2000);
    const [w1, b1] = await cpuOver([worker, process.pid], SECONDS);
    const streams = pages.length * 2 * (rooms.length + BROWSERS - 1);
    const sorted = [...firstFrame].sort((a, b) => a - b);

    console.log(
      `\nbrowser participants: ${BROWSERS} headless Chromium windows + ${rooms.length} baresip rooms (H.264, PCMA), one mediasoup worker, ${SECONDS} s samples`,
    );
    console.log(
      `  page load → first remote video frame: ${firstFrame.map((x) => `${Math.round(x)} ms`).join(', ')} (median ${Math.round(sorted[Math.floor(sorted.length / 2)]!)} ms)`,
    );
    console.log(
      `  mediasoup worker CPU: ${pct(w0!)} rooms only → ${pct(w1!)} with ${BROWSERS} browsers = ${pct((w1! - w0!) / BROWSERS)} of a core per browser`,
    );
    console.log(
      `    (${streams} streams to browsers, ${BROWSERS * 2} from them; each browser sends audio+video and receives ${2 * (rooms.length + BROWSERS - 1)})`,
    );
    console.log(
      `  bridge process CPU (mixer, views, signalling): ${pct(b0!)} → ${pct(b1!)} = ${pct((b1! - b0!) / BROWSERS)} per browser`,
    );
  } finally {
    await chrome?.close();
    web.close();
    await bridge.close();
    await Promise.all(rooms.map((r) => r.stop()));
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
