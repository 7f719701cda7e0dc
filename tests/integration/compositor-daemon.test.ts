// Multi-picture from the built daemon (dist/vcbridged.js, `node scripts/build.mjs` first): the
// compositor's Python controller must run from dist/compositor/, where the build ships it, not from
// the source tree. The CLI starts a meeting of three real baresip rooms and sets a 2x2 layout; the
// chair's room must then decode the composed picture the daemon reports, each pane in its site's
// colour. Needs GStreamer and python3-gi (scripts/setup.sh installs them).
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BaresipRoom } from '../peers/baresipRoom.js';
import { CLI_JS, ROOT, TOKENS, startDaemon, testConfig, type RunningDaemon } from '../helpers/daemon.js';
import { freePort } from '../helpers/ports.js';
import { Picture } from '../helpers/picture.js';
import { paneProblems } from '../helpers/paneCheck.js';
import { startChairedMeeting } from '../helpers/chairedMeeting.js';
import type { ConferenceView } from '../../protocol/index.js';
import { sleep } from '../helpers/wait.js';

const SITES = [
  { id: 'city', color: 'magenta', kind: 'city' },
  { id: 'mihe', color: 'red', kind: 'town' },
  { id: 'xiaoguan', color: 'lime', kind: 'town' },
] as const;
const COLOUR: Record<string, string> = Object.fromEntries(SITES.map((s) => [s.id, s.color]));
const rooms = new Map<string, BaresipRoom>();
let d: RunningDaemon;
let confId: string;

function cli(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [CLI_JS, '--url', d.url, '--token', TOKENS.operator, ...args],
      { timeout: 30_000 },
      (err, stdout, stderr) => {
        resolve({ code: err ? (typeof err.code === 'number' ? err.code : 1) : 0, stdout, stderr });
      },
    );
  });
}

async function show(id = confId): Promise<ConferenceView> {
  const r = await cli(['conf', 'show', id, '--json']);
  if (r.code !== 0) throw new Error(`conf show exited ${r.code}: ${r.stderr}`);
  return JSON.parse(r.stdout) as ConferenceView;
}

/** Problems in what `viewer` decodes against the picture the daemon reports for it ('' = none). */
async function pictureProblems(viewer: string): Promise<string> {
  const want = (await show()).multiview?.pictures[viewer];
  if (!want) return `${viewer} has no composed picture in conf show`;
  const png = await rooms.get(viewer)!.snapshot();
  const pic = png ? Picture.load(png) : undefined;
  if (!pic) return `${viewer} decoded no picture`;
  const problems = paneProblems(pic, want, (site) => (site === null ? 'dark' : COLOUR[site]));
  return problems.length ? `${want.layout} [${want.panes.join(', ')}]: ${problems.join('; ')}` : '';
}

beforeAll(async () => {
  for (const s of SITES)
    rooms.set(
      s.id,
      await BaresipRoom.start({
        name: s.id,
        toneHz: 440,
        video: 'H264',
        color: s.color,
        audioCodecs: ['PCMA'],
        toneSeconds: 600,
      }),
    );
  d = await startDaemon({
    config: testConfig(await freePort(), await freePort(), {
      endpoints: SITES.map((s) => ({
        id: s.id,
        name: { zh: s.id, en: s.id },
        kind: s.kind,
        uri: rooms.get(s.id)!.uri,
        groups: ['towns'],
        codecs: { audio: ['PCMA'], video: ['H264'] },
      })),
    }),
  });
}, 90_000);

afterAll(async () => {
  await d?.stop();
  await Promise.all([...rooms.values()].map((r) => r.stop()));
}, 30_000);

describe('multi-picture from the built daemon', () => {
  it('the build ships the controller next to the bundle, and not as a source path', () => {
    expect(existsSync(join(ROOT, 'dist', 'compositor', 'gst_compositor.py'))).toBe(true);
  });

  it("`conf layout 2x2` through the CLI: the chair's room decodes each site's colour in its pane", async () => {
    confId = await startChairedMeeting({ cli, chair: 'city', connected: SITES.length, show });
    const r = await cli(['conf', 'layout', confId, '2x2']);
    expect(r.code, r.stderr).toBe(0);
    const view = await show();
    expect(view.multiview?.layout).toBe('2x2');
    let last = 'not checked';
    const end = Date.now() + 90_000;
    while (Date.now() < end && (last = await pictureProblems('city')) !== '') await sleep(500);
    expect(
      last,
      d
        .output()
        .split('\n')
        .filter((l) => /compositor/i.test(l))
        .slice(-20)
        .join('\n'),
    ).toBe('');
    // both towns are in the chair's picture
    const panes = (await show()).multiview?.pictures.city?.panes ?? [];
    expect(panes).toContain('mihe');
    expect(panes).toContain('xiaoguan');
  }, 240_000);

  it("`conf poll --pane 4` walks the towns through pane 4 of the layout: the chair's room decodes each in turn; --stop gives the pane back", async () => {
    // refused, nothing changed: a pane the layout lacks, a site without a layout of its own
    const out = await cli(['conf', 'poll', confId, '--pane', '5', '--sites', 'mihe,xiaoguan']);
    expect(out.code).not.toBe(0);
    expect(out.stderr).toMatch(/pane 5 is out of range: layout 2x2 has panes 1-4/);
    const noOwn = await cli(['conf', 'poll', confId, '--pane', '2', '--for', 'mihe']);
    expect(noOwn.code).not.toBe(0);
    expect(noOwn.stderr).toMatch(/mihe has no layout of its own/);
    expect((await show()).polling).toBeNull();

    const r = await cli(['conf', 'poll', confId, '--pane', '4', '--sites', 'mihe,xiaoguan', '--interval', '15s']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/polling every 15 s \(pane 4 of the conference's layout\): now mihe, next xiaoguan/);
    const polled = (await show()).polling;
    expect(polled).toMatchObject({ pane: 4, target: null, sites: ['mihe', 'xiaoguan'] });
    // each town in turn: conf show puts it in pane 4 and the chair's room decodes its colour there
    const seen: string[] = [];
    for (const site of ['mihe', 'xiaoguan']) {
      let last = 'not checked';
      const end = Date.now() + 90_000;
      while (Date.now() < end) {
        const v = await show();
        const pane4 = v.multiview?.pictures.city?.panes[3];
        last =
          pane4 !== site ? `pane 4 holds ${pane4 ?? 'nothing'}, waiting for ${site}` : await pictureProblems('city');
        if (last === '' && (await show()).polling?.current === site) break;
        await sleep(500);
      }
      expect(last, `${site} in pane 4`).toBe('');
      seen.push(site);
    }
    expect(seen).toEqual(['mihe', 'xiaoguan']);
    const stopped = await cli(['conf', 'poll', confId, '--stop', '--json']);
    expect(stopped.code, stopped.stderr).toBe(0);
    const after = JSON.parse(stopped.stdout) as ConferenceView;
    expect(after.polling).toBeNull();
    expect(after.multiview?.pins).toEqual({});
  }, 240_000);
});
