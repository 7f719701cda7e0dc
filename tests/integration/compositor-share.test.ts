// Encoding once per output class and decoding only what is on screen (issue #13), with real baresip
// rooms, each sending one solid colour. Four H.264 rooms of one profile-level (720p class), a VP8 room,
// and a room that negotiated H.264 level 2.0 (CIF) through kamailio's answer rewrite (as
// compositor-cif-ocr does). On the conference layout the four share one picture: one canvas id in `conf
// show`, one encoder in the compositor process (its own stats: as many canvases as distinct pictures),
// and each of them decodes it with every site's colour in its pane; the VP8 and the CIF room get one
// encoder each. A personal layout adds exactly one encoder and `default` removes it from the process. With
// 2x2 and six sending sites, only the sources on screen are decoded: the process's per-source decoded
// frame counters grow for them and stay still for the others (their consumers paused, `offScreen` in
// conf show); pinning an off-screen site into a pane starts its decoding and shows its colour.
// Six baresip processes and one kamailio: the most this two-core machine takes beside a compositor.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BaresipRoom } from '../peers/baresipRoom.js';
import { disposeKamailio, startKamailio, type Kamailio } from '../peers/kamailio.js';
import { bridgeCli, startBridge, type Bridge } from '../helpers/conferenceBridge.js';
import { Picture } from '../helpers/picture.js';
import { paneProblems } from '../helpers/paneCheck.js';
import { sleep, until } from '../helpers/wait.js';
import { startChairedMeeting } from '../helpers/chairedMeeting.js';
import { colourEndpoint, colourOf, colourTowns, startColourRooms } from '../helpers/colourTowns.js';
import type { Compositor, CompositorStats } from '../../daemon/media/compositor/Compositor.js';
import type { ConferenceView, MultiviewEncoder } from '../../protocol/index.js';

// cif is behind kamailio, which rewrites its answer to level 2.0: the bridge must encode CIF for it
const SITES = colourTowns(['city', 'mihe', 'xiaoguan', 'zhulin', 'huiguo', 'cif']);
const HD = ['city', 'mihe', 'xiaoguan', 'zhulin'];
/** An H.264 output class key, either packetization mode (baresip answers mode 0). */
const H264 = expect.stringMatching(/^H264\/[01]$/) as string;
const COLOUR = colourOf(SITES);

let kam: Kamailio;
let bridge: Bridge;
let confId: string;
const rooms = new Map<string, BaresipRoom>();
const cli = (args: string[]): ReturnType<typeof bridgeCli> => bridgeCli(bridge, args);
const show = (): ConferenceView => bridge.manager.show(confId);
const compositor = (): Compositor | undefined => bridge.manager.get(confId).media.pictures.compositor;

/** `conf show --json` through the CLI: what an operator's tools get. */
async function showJson(): Promise<ConferenceView> {
  const r = await cli(['conf', 'show', confId, '--json']);
  if (r.code !== 0) throw new Error(`conf show exited ${r.code}: ${r.stderr}`);
  return JSON.parse(r.stdout) as ConferenceView;
}

async function stats(): Promise<CompositorStats> {
  const c = compositor();
  if (!c) throw new Error('no compositor runs');
  return c.stats();
}

const frames = (s: CompositorStats, id: string): number => s.sources[id]?.frames ?? 0;

/** The sites in some pane of some room's picture. */
function onScreen(v: ConferenceView): Set<string> {
  return new Set(Object.values(v.multiview?.pictures ?? {}).flatMap((p) => p.panes.filter((x) => x !== null)));
}

/** Problems in what `viewer` decodes against the picture conf show reports for it ('' = none). */
async function pictureProblems(viewer: string): Promise<string> {
  const want = show().multiview?.pictures[viewer];
  if (!want) return `${viewer} has no composed picture in conf show`;
  const png = await rooms.get(viewer)!.snapshot();
  const pic = png ? Picture.load(png) : undefined;
  if (!pic) return `${viewer} decoded no picture`;
  const problems = paneProblems(pic, want, (site) => (site === null ? 'dark' : COLOUR[site]));
  return problems.length ? `${viewer}: ${want.layout} [${want.panes.join(', ')}]: ${problems.join('; ')}` : '';
}

async function untilPictures(viewers: string[], ms = 90_000): Promise<void> {
  let last = '';
  await until(
    `${viewers.join(', ')} decoding their pictures`,
    async () => {
      last = (await Promise.all(viewers.map(pictureProblems))).filter(Boolean).join(' | ');
      return last === '';
    },
    ms,
    500,
  ).catch((e: Error) => {
    throw new Error(`${e.message}: ${last}`);
  });
}

/** Until conf show's encoders and the process's canvases agree on `n` pictures; the encoders then. */
async function untilEncoders(n: number): Promise<MultiviewEncoder[]> {
  let last = '';
  let encoders: MultiviewEncoder[] = [];
  await until(
    `${n} encoders in conf show and in the compositor process`,
    async () => {
      encoders = (await showJson()).multiview?.encoders ?? [];
      const canvases = Object.keys((await stats()).canvases).sort();
      last = `conf show: ${encoders.map((e) => e.canvas).join(', ')}; process: ${canvases.join(', ')}`;
      return encoders.length === n && JSON.stringify(encoders.map((e) => e.canvas).sort()) === JSON.stringify(canvases);
    },
    30_000,
    500,
  ).catch((e: Error) => {
    throw new Error(`${e.message}: ${last}`);
  });
  return encoders;
}

/** Until `ids`' decoded-frame counters all grew by `min` frames between two samples. */
async function untilDecoding(ids: string[], min = 10): Promise<void> {
  let before = await stats();
  let last = '';
  await until(
    `${ids.join(', ')} decoding`,
    async () => {
      await sleep(2000);
      const now = await stats();
      const grew = ids.map((id) => frames(now, id) - frames(before, id));
      last = ids.map((id, i) => `${id} +${grew[i]}`).join(', ');
      if (grew.every((g) => g >= min)) return true;
      before = now;
      return false;
    },
    60_000,
    0,
  ).catch((e: Error) => {
    throw new Error(`${e.message}: ${last}`);
  });
}

/**
 * `ids` are not decoded: their counters stand still over 5 s. A source just taken off screen may still
 * have a few pictures in flight, so first until two samples 2 s apart agree (a source still fed never
 * does: it decodes 25 pictures a second).
 */
async function expectNotDecoded(ids: string[]): Promise<void> {
  let before = await stats();
  let last = '';
  await until(
    `${ids.join(', ')} no longer decoded`,
    async () => {
      await sleep(2000);
      const now = await stats();
      last = ids.map((id) => `${id} ${frames(before, id)}→${frames(now, id)}`).join(', ');
      const still = ids.every((id) => frames(now, id) === frames(before, id));
      before = now;
      return still;
    },
    30_000,
    0,
  ).catch((e: Error) => {
    throw new Error(`${e.message}: ${last}`);
  });
  await sleep(5000);
  const after = await stats();
  for (const id of ids) expect(frames(after, id), `${id} decoded while off screen`).toBe(frames(before, id));
}

beforeAll(async () => {
  kam = await startKamailio({
    users: { cif: 'cif-pass' },
    replySdp: { from: 'profile-level-id=42e01f', to: 'profile-level-id=42e014' },
  });
  await startColourRooms(SITES, rooms, (s) =>
    s.id === 'cif' ? { register: { registrar: `127.0.0.1:${kam.port}`, password: 'cif-pass', regint: 60 } } : {},
  );
  await until('the CIF room registered with kamailio', () => /REGISTER ok for cif/.test(kam.log()), 30_000, 200);
  bridge = await startBridge({
    endpoints: SITES.map((s) => ({
      ...colourEndpoint(s, s.id === 'cif' ? `sip:cif@127.0.0.1:${kam.port}` : rooms.get(s.id)!.uri),
      kind: s.id === 'city' ? 'city' : 'town',
    })),
  });
  confId = await startChairedMeeting({
    cli,
    chair: 'city',
    connected: SITES.length,
    show: (id) => bridge.manager.show(id),
    ms: 90_000,
  });
}, 240_000); // six baresip rooms: on a busy machine each start takes seconds

afterAll(async () => {
  await bridge?.close();
  await Promise.all([...rooms.values()].map((r) => r.stop()));
  if (kam) await disposeKamailio(kam);
}, 30_000);

describe('one encoder per output class, decoding only what is on screen (real baresip rooms)', () => {
  it('the CIF room negotiated H.264 level 2.0 through kamailio: another output class', () => {
    expect(kam.log()).toMatch(/reply SDP rewritten/);
    const media = bridge.manager.get(confId).media;
    // baresip answers packetization-mode 0: the same mode for all, only the level differs
    const key = media.outputClass('city')?.key;
    expect(key).toMatch(/^H264\//);
    expect(media.outputClass('cif')).toMatchObject({ key, width: 352, height: 288 });
    for (const id of HD) expect(media.outputClass(id)).toMatchObject({ key, width: 1280, height: 720 });
  });

  it('while the rooms connected, no room was transcoded a source it decodes itself (no encoder for nothing)', () => {
    const video = Object.fromEntries(SITES.map((s) => [s.id, s.video])) as Record<string, string>;
    const needless = new Set<string>();
    for (const n of bridge.notifications) {
      const v = n.params as ConferenceView;
      if (n.method !== 'conference.state' || v.id !== confId) continue;
      for (const [room, p] of Object.entries(v.multiview?.pictures ?? {})) {
        const source = /^tx:([^|]+)\|/.exec(p.canvas)?.[1];
        if (source && video[source] === video[room]) needless.add(`${room} ← ${source}`);
      }
    }
    expect([...needless]).toEqual([]);
  });

  it('2x2: the four 720p H.264 rooms share one picture and one encoder; VP8 and CIF one each', async () => {
    const r = await cli(['conf', 'layout', confId, '2x2']);
    expect(r.code, r.stderr).toBe(0);
    const encoders = await untilEncoders(3);
    const pictures = show().multiview!.pictures;
    const shared = pictures['city']!.canvas;
    for (const id of HD) expect(pictures[id]?.canvas, id).toBe(shared);
    expect(new Set(Object.values(pictures).map((p) => p.canvas)).size).toBe(3);
    const by = (id: string): MultiviewEncoder | undefined => encoders.find((e) => e.canvas === pictures[id]?.canvas);
    expect(by('city')).toMatchObject({ kind: 'conference', codec: H264, width: 1280, height: 720, layout: '2x2' });
    expect([...by('city')!.rooms].sort()).toEqual([...HD].sort());
    expect(by('huiguo')).toMatchObject({ codec: 'VP8', width: 1280, height: 720, rooms: ['huiguo'] });
    expect(by('cif')).toMatchObject({ codec: by('city')!.codec, width: 352, height: 288, rooms: ['cif'] });
    // every room decodes its picture: the same panes, each site's colour where conf show puts it
    await untilPictures(SITES.map((s) => s.id));
    // conf show prints it for the operator
    const text = await cli(['conf', 'show', confId]);
    expect(text.stdout).toMatch(/encoders \(3\):/);
    expect(text.stdout).toMatch(/H\.264 \(mode [01]\), 1280×720, 25 fps, 1500 kbit\/s: conference layout 2x2 → /);
    expect(text.stdout).toMatch(/H\.264 \(mode [01]\), 352×288, 25 fps, 512 kbit\/s: conference layout 2x2 → cif/);
    expect(text.stdout).toMatch(/VP8, 1280×720, 25 fps, 1500 kbit\/s: conference layout 2x2 → huiguo/);
  }, 200_000);

  it('off-screen sources are not decoded; pinning one into a pane starts its decoding', async () => {
    let v = await showJson();
    const shown = [...onScreen(v)];
    const hidden = SITES.map((s) => s.id).filter((id) => !shown.includes(id));
    expect(shown).toHaveLength(4);
    expect(hidden).toHaveLength(2);
    expect(v.multiview?.offScreen?.sort()).toEqual([...hidden].sort());
    expect(v.multiview?.decoding?.map((d) => d.source).sort()).toEqual([...shown].sort());
    await untilDecoding(shown);
    await expectNotDecoded(hidden);

    // the first hidden site pinned into pane 2: decoded now, its colour in that pane
    const pinned = hidden[0]!;
    expect((await cli(['conf', 'pane', confId, '2', pinned])).code).toBe(0);
    await until('the pin planned', () => show().multiview?.pictures['city']?.panes[1] === pinned, 30_000);
    await untilDecoding([pinned]);
    await untilPictures(['city', 'huiguo', 'cif']);
    // a site the pin pushed off every screen stops being decoded (it was fed before)
    v = await showJson();
    const dropped = shown.filter((id) => !onScreen(v).has(id));
    expect(dropped).toHaveLength(1);
    // its consumer is paused: the process's counter stands still, and conf show says so
    await expectNotDecoded(dropped);
    expect((await showJson()).multiview?.offScreen).toContain(dropped[0]);
    expect((await cli(['conf', 'pane', confId, '2', 'auto'])).code).toBe(0);
  }, 240_000);

  it('a personal layout adds exactly one encoder; default takes it out of the process again', async () => {
    const r = await cli(['conf', 'layout', confId, '1', '--for', 'mihe']);
    expect(r.code, r.stderr).toBe(0);
    const encoders = await untilEncoders(4);
    const personal = encoders.filter((e) => e.kind === 'personal');
    expect(personal).toEqual([expect.objectContaining({ site: 'mihe', layout: '1', rooms: ['mihe'], width: 1280 })]);
    expect(encoders.find((e) => e.rooms.includes('city'))?.rooms.sort()).toEqual(['city', 'xiaoguan', 'zhulin']);
    await untilPictures(['mihe', 'city']);
    expect((await cli(['conf', 'layout', confId, 'default', '--for', 'mihe'])).code).toBe(0);
    const back = await untilEncoders(3);
    expect(back.some((e) => e.kind === 'personal')).toBe(false);
    expect(Object.keys((await stats()).canvases)).not.toContain(personal[0]!.canvas);
    expect(back.find((e) => e.rooms.includes('mihe'))?.rooms.sort()).toEqual([...HD].sort());
    await untilPictures(['mihe']);
  }, 200_000);
});
