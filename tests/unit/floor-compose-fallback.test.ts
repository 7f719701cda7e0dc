// When composing the pictures fails (a compositor command timed out on a busy machine), a room on a
// layout must not be shown a plain source instead of its composed picture: it keeps the picture it has,
// the plan is composed again, and only a room with no composed picture at all falls back to the
// switched view — with a warning naming the room and why. A room on a layout that ends up showing a
// plain source is logged, so such a picture can be explained afterwards. (FloorDirector with a fake
// media: what it asks the media to show is recorded.)
import { describe, expect, it } from 'vitest';
import { TypedEmitter } from '../../daemon/util/TypedEmitter.js';
import { COMPOSE_RETRY_MS, FloorDirector, type FloorHost } from '../../daemon/conference/FloorDirector.js';
import { Multiview } from '../../daemon/conference/multiview.js';
import { CANVAS, type Picture } from '../../daemon/media/compositor/Pictures.js';
import type { Logger } from '../../daemon/util/logger.js';
import { ManualClock } from '../helpers/manualClock.js';

const ROOMS = ['city', 'mihe', 'xiaoguan'];
const CLS = { key: 'H264/1' as const, width: 1280, height: 720, fps: 25, kbps: 1500 };

type MediaEvents = {
  activeSpeaker: [{ id: string; dBov: number }];
  switched: [{ targetId: string; sourceId: string | null; waitedMs: number }];
};

/** The parts of ConferenceMedia the floor uses; composing fails while `failing` is set. */
class FakeMedia extends TypedEmitter<MediaEvents> {
  readonly program = Object.assign(new TypedEmitter<{ wanted: [] }>(), { noteFloor: () => undefined });
  readonly legIds = ROOMS;
  readonly programOn = false;
  failing: string | undefined;
  composes = 0;
  /** target → what its view shows or waits for */
  readonly views = new Map<string, string | null>();
  readonly shown: [string, string | null][] = [];
  outputClass = (): typeof CLS => CLS;
  canView = (): boolean => true;
  forwards = (): boolean => true;
  hasVideo = (): boolean => true;
  canTranscode = (): boolean => true;
  setMuted = (): void => undefined;
  async compose(plan: Map<string, Picture>): Promise<void> {
    this.composes++;
    await Promise.resolve();
    if (this.failing) throw new Error(this.failing);
    for (const [t, p] of plan) this.views.set(t, CANVAS + p.canvasId);
  }
  show(id: string, src: string | null): Promise<boolean> {
    this.shown.push([id, src]);
    this.views.set(id, src);
    return Promise.resolve(true);
  }
  showsPicture(id: string): boolean {
    return Boolean(this.views.get(id)?.startsWith(CANVAS));
  }
}

function setUp(): {
  floor: FloorDirector;
  media: FakeMedia;
  mv: Multiview;
  clock: ManualClock;
  warnings: { obj: Record<string, unknown>; msg: string }[];
  errors: string[];
} {
  const media = new FakeMedia();
  const mv = new Multiview();
  const clock = new ManualClock(1_000_000);
  const warnings: { obj: Record<string, unknown>; msg: string }[] = [];
  const errors: string[] = [];
  const log = {
    warn: (obj: Record<string, unknown>, msg: string) => warnings.push({ obj, msg }),
    error: (_: unknown, msg: string) => errors.push(msg),
    info: () => undefined,
    debug: () => undefined,
    child: () => log,
  } as unknown as Logger;
  const host = {
    media,
    clock,
    log,
    control: { multiview: mv, polled: undefined, lowerHand: () => false },
    live: () => true,
    assertLive: () => undefined,
    require: () => undefined,
    everyone: () => ROOMS,
    present: () => ROOMS,
    isBrowser: () => false,
    seats: () => ROOMS.map((id) => ({ id, label: id, video: true, connected: true })),
  } as unknown as FloorHost;
  const floor = new FloorDirector({ mode: 'broadcast', chair: 'city', upstream: null }, host);
  return { floor, media, mv, clock, warnings, errors };
}

const rawShows = (m: FakeMedia): [string, string | null][] =>
  m.shown.filter(([, src]) => src !== null && !src.startsWith(CANVAS));

describe('a failed compose on a layout change', () => {
  it('leaves every room on its composed picture and composes the plan again until it works', async () => {
    const { floor, media, mv, clock, errors } = setUp();
    mv.setLayout('2x2');
    floor.apply();
    await floor.settled();
    expect([...media.views.values()].every((v) => v?.startsWith(CANVAS))).toBe(true);
    expect(rawShows(media)).toEqual([]);

    media.failing = 'the compositor did not answer "add_source" within 5000 ms';
    mv.setLayout('3x3');
    floor.apply();
    await floor.settled();
    expect(errors).toHaveLength(1);
    // nobody was switched to a plain source: the 2x2 stays on screen meanwhile
    expect(rawShows(media)).toEqual([]);
    expect(media.composes).toBe(2);

    // tried again after the first delay, and again (longer) while it keeps failing
    await clock.advanceTo(clock.now() + COMPOSE_RETRY_MS[0]!);
    await floor.settled();
    expect(media.composes).toBe(3);
    media.failing = undefined;
    await clock.advanceTo(clock.now() + COMPOSE_RETRY_MS[1]!);
    await floor.settled();
    expect(media.composes).toBe(4);
    expect(floor.plan.get('city')?.spec.layout).toBe('3x3');
    expect(rawShows(media)).toEqual([]);
    // composed: no more retries
    await clock.advanceTo(clock.now() + 60_000);
    await floor.settled();
    expect(media.composes).toBe(4);
    floor.close();
  });

  it('a room with no composed picture yet gets the switched view, with a warning naming it and why', async () => {
    const { floor, media, mv, warnings } = setUp();
    media.failing = 'the compositor did not answer "scene" within 5000 ms';
    mv.setLayout('2x2');
    floor.apply();
    await floor.settled();
    const shownRaw = rawShows(media).map(([id]) => id);
    expect(shownRaw.sort()).toEqual([...ROOMS].sort());
    const fallback = warnings.filter((w) => w.msg === 'a room on a layout is shown a source directly');
    expect(fallback.map((w) => w.obj['room']).sort()).toEqual([...ROOMS].sort());
    expect(String(fallback[0]!.obj['reason'])).toMatch(/did not answer "scene"/);
    // the switch itself is logged too, with the same reason
    media.emit('switched', { targetId: 'mihe', sourceId: 'city', waitedMs: 40 });
    const switched = warnings.filter((w) => /now shows a source directly/.test(w.msg));
    expect(switched).toHaveLength(1);
    expect(switched[0]!.obj).toMatchObject({ room: 'mihe', source: 'city', layout: '2x2' });
    expect(String(switched[0]!.obj['reason'])).toMatch(/did not answer "scene"/);
    floor.close();
  });

  it('a room on a composed layout that is switched to a plain source anyway is logged', async () => {
    const { floor, media, mv, warnings } = setUp();
    mv.setLayout('3x3');
    floor.apply();
    await floor.settled();
    media.emit('switched', { targetId: 'xiaoguan', sourceId: CANVAS + 'conf|H264/1@1280x720p25', waitedMs: 10 });
    expect(warnings).toEqual([]);
    media.emit('switched', { targetId: 'xiaoguan', sourceId: 'city', waitedMs: 10 });
    expect(warnings).toHaveLength(1);
    expect(warnings[0]!.obj).toMatchObject({ room: 'xiaoguan', source: 'city', layout: '3x3' });
    expect(String(warnings[0]!.obj['reason'])).toMatch(/unexpected/);
    // with the layout off, a plain source is what a room should see: no warning
    mv.setLayout('off');
    floor.apply();
    await floor.settled();
    media.emit('switched', { targetId: 'xiaoguan', sourceId: 'mihe', waitedMs: 10 });
    expect(warnings).toHaveLength(1);
    floor.close();
  });
});
