// Debian's Chromium, headless, driven by playwright-core, as a browser participant: fake camera (its
// moving test pattern) and a fake microphone playing a WAV we make with sox, so a room's recording
// can be checked for that tone. It is kept on loopback: DNS for anything but 127.0.0.1 fails, no
// mDNS, no background traffic. Close it in afterAll whatever happened.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { FFMPEG_QUIET, lavfiInput } from '../helpers/ffmpegArgs.js';

export const CHROMIUM = '/usr/bin/chromium';

export interface ChromiumOptions {
  /** Tone the fake microphone plays (Hz); default 1200. */
  toneHz?: number;
  /** The fake camera shows this solid colour (an ffmpeg colour name) instead of Chrome's green test pattern. */
  color?: string;
}

export class ChromiumPeer {
  readonly browser: Browser;
  readonly dir: string;
  readonly #contexts: BrowserContext[] = [];

  private constructor(browser: Browser, dir: string) {
    this.browser = browser;
    this.dir = dir;
  }

  static async launch(o: ChromiumOptions = {}): Promise<ChromiumPeer> {
    const dir = mkdtempSync(join(tmpdir(), 'vcb-chromium-'));
    const wav = join(dir, `tone${o.toneHz ?? 1200}.wav`);
    const r = spawnSync('sox', [
      '-n',
      '-r',
      '48000',
      '-c',
      '1',
      '-b',
      '16',
      wav,
      'synth',
      '60',
      'sine',
      String(o.toneHz ?? 1200),
      'vol',
      '0.5',
    ]);
    if (r.status !== 0) throw new Error(`sox failed: ${r.stderr.toString()}`);
    const video: string[] = [];
    if (o.color) {
      // Chrome loops a y4m file as its camera; 2 s of 320x240 is enough
      const y4m = join(dir, `${o.color}.y4m`);
      const f = spawnSync('ffmpeg', [
        ...FFMPEG_QUIET,
        ...lavfiInput(o.color, { width: 320, height: 240, fps: 15 }, 2),
        '-pix_fmt',
        'yuv420p',
        y4m,
      ]);
      if (f.status !== 0) throw new Error(`ffmpeg failed: ${f.stderr.toString()}`);
      video.push(`--use-file-for-fake-video-capture=${y4m}`);
    }
    try {
      const browser = await chromium.launch({
        executablePath: CHROMIUM,
        args: [
          '--no-sandbox',
          '--disable-gpu',
          '--use-fake-device-for-media-stream',
          '--use-fake-ui-for-media-stream',
          '--disable-background-networking',
          '--disable-component-update',
          '--disable-sync',
          '--no-first-run',
          `--use-file-for-fake-audio-capture=${wav}`,
          ...video,
          // the bridge is on 127.0.0.1: let WebRTC use loopback, and never publish mDNS names
          '--allow-loopback-in-peer-connection',
          '--disable-features=WebRtcHideLocalIpsWithMdns',
          '--autoplay-policy=no-user-gesture-required',
          '--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1',
        ],
      });
      return new ChromiumPeer(browser, dir);
    } catch (err) {
      rmSync(dir, { recursive: true, force: true });
      throw err;
    }
  }

  /** A fresh window (own cookies, own permissions) on `url`; console errors are kept in `logs`. */
  async open(url: string): Promise<{ page: Page; logs: string[]; status: number | undefined }> {
    const ctx = await this.browser.newContext();
    this.#contexts.push(ctx);
    const page = await ctx.newPage();
    const logs: string[] = [];
    page.on('console', (m) => logs.push(`${m.type()}: ${m.text()}`));
    page.on('pageerror', (e) => logs.push(`pageerror: ${e.message}`));
    const res = await page.goto(url);
    return { page, logs, status: res?.status() };
  }

  async close(): Promise<void> {
    await Promise.allSettled(this.#contexts.map((c) => c.close()));
    await this.browser.close();
    if (!process.env.VCB_KEEP_PEERS) rmSync(this.dir, { recursive: true, force: true });
  }
}
