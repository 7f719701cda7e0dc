// The conference screen's compositor panel (issue #13: the console did not show the encoders): E
// opens and closes it; it lists one row per encoder (class, size and frame rate, bitrate, whose
// picture, the rooms — cut to the terminal with the count of those left out), the sources decoded
// and those on no screen, in English and Chinese, within 80×24; with no compositor it says so;
// while open it reads the conference again (the compositor's start is not notified).
import { useState } from 'react';
import { Box } from 'ink';
import { describe, expect, it } from 'vitest';
import type { ConferenceView, MultiviewEncoder } from '../../protocol/index.js';
import { ConferenceScreen } from '../../cli/ui/screens/ConferenceScreen.js';
import type { ConferenceActions } from '../../cli/ui/data/calls.js';
import { stringWidth } from '../../cli/ui/format.js';
import { browserParticipant, endpoint, participant, plain, renderIn, settle, weeklyMeeting } from '../helpers/console.js';
import { sleep } from '../helpers/wait.js';

const NOW = Date.parse('2026-12-07T01:10:00Z');
const BROWSER = browserParticipant({ viewing: 'layout:2x2' });
/** Towns beyond the fixture's four, so the conference picture has more rooms than a line holds. */
const TOWNS = [
  ['huiguo', '回郭镇', 'Huiguo'], ['zhanjie', '站街镇', 'Zhanjie'], ['xiaoyi', '孝义街道', 'Xiaoyi'],
  ['dayugou', '大峪沟镇', 'Dayugou'], ['heluo', '河洛镇', 'Heluo'], ['kangdian', '康店镇', 'Kangdian'],
] as const;

const encoder = (e: Partial<MultiviewEncoder> & Pick<MultiviewEncoder, 'canvas' | 'kind' | 'codec' | 'rooms'>): MultiviewEncoder => ({
  width: 1280, height: 720, fps: 25, kbps: 1500, layout: '2x2', ...e,
});

/** The weekly meeting on 2x2: one H.264 picture for many rooms and the program feed, a personal CIF
 *  picture for Mihe, a transcoded VP8 one; Mihe's decoder has no picture yet, Zhulin is on no screen. */
function composed(extra: Partial<MultiviewEncoder>[] = []): ConferenceView {
  const c = weeklyMeeting();
  const towns = TOWNS.map(([id, zh, en]) => participant(endpoint(id, zh, en, 'town')));
  c.participants = [...c.participants, BROWSER, ...towns];
  c.multiview = {
    layout: '2x2', banner: null, personal: { mihe: '1' }, pins: {}, pictures: {},
    encoders: [
      encoder({ canvas: 'conf|H264/1@1280x720p25', kind: 'conference', codec: 'H264/1', rooms: ['zhengzhou', 'xiaoguan', ...TOWNS.map(([id]) => id)], program: true }),
      encoder({ canvas: 'site:mihe|H264/0@352x288p25', kind: 'personal', site: 'mihe', codec: 'H264/0', width: 352, height: 288, kbps: 512, layout: '1', rooms: ['mihe'] }),
      encoder({ canvas: 'tx:web-3f9a1c|VP8@1280x720p25', kind: 'transcoded', site: 'web-3f9a1c', codec: 'VP8', layout: '1', rooms: ['zhulin'] }),
      ...extra.map((e, i) => encoder({ canvas: `site:x${i}`, kind: 'personal', site: 'xiaoguan', codec: 'VP8', rooms: ['xiaoguan'], ...e })),
    ],
    decoding: [
      { source: 'zhengzhou', live: true }, { source: 'xiaoguan', live: true }, { source: 'mihe', live: false }, { source: 'web-3f9a1c', live: true },
    ],
    offScreen: ['zhulin'],
  };
  return c;
}

function setup(o: { conference?: ConferenceView; lang?: 'en' | 'zh'; width?: number; height?: number } = {}) {
  const refreshed: string[] = [];
  // as in the App: the screen in a box as wide as the terminal
  const r = renderIn(o.lang ?? 'en', (
    <Box width={o.width ?? 80}><ConferenceScreen
      conferences={[o.conference ?? composed()]}
      events={{}}
      stats={{}}
      actionsFor={() => ({}) as ConferenceActions}
      refresh={(id) => refreshed.push(id)}
      now={NOW}
      timezone="Asia/Shanghai"
      width={o.width ?? 80}
      height={o.height ?? 24}
      onBack={() => undefined}
    /></Box>
  ));
  const frame = () => plain(r.lastFrame());
  const press = async (key: string) => {
    r.stdin.write(key);
    await settle();
  };
  return { ...r, frame, press, refreshed };
}

/** The screen under a conference the test can change, as the daemon's notifications change it. */
function Live({ initial, expose, ...rest }: { initial: ConferenceView; expose: (set: (c: ConferenceView) => void) => void } & Omit<Parameters<typeof ConferenceScreen>[0], 'conferences'>) {
  const [c, set] = useState(initial);
  expose(set);
  return <ConferenceScreen conferences={[c]} {...rest} />;
}

const lines = (f: string) => f.split('\n');
const panelOf = (f: string) => lines(f).filter((l) => /^(\d\.|…|Compositor|Decoding|Not decoded|合成器|解码|未解码)/.test(l));

describe('the compositor panel of the conference screen', () => {
  it('E shows the encoders, the decoded and the off-screen sources; E again hides them; the help line lists E', async () => {
    const { frame, press } = setup({ width: 100, height: 40 });
    expect(frame()).toContain('E compositor');
    expect(frame()).not.toContain('Compositor');
    await press('E');
    expect(panelOf(frame())).toEqual([
      'Compositor: 3 encoder(s), 4 source(s) decoded',
      '1. H.264 (mode 1) 1280×720@25 1500k conference layout 2x2 → Zhengzhou, Xiaoguan, Huiguo +6 more',
      "2. H.264 (mode 0) 352×288@25   512k Mihe's layout 1 → Mihe",
      '3. VP8            1280×720@25 1500k Education Bureau transcoded → Zhulin',
      'Decoding: Zhengzhou, Xiaoguan, Mihe (no picture), Education Bureau',
      'Not decoded (on no screen): Zhulin',
    ]);
    expect(frame()).not.toMatch(/conf\||site:|tx:/);
    await press('E');
    expect(frame()).not.toContain('Compositor');
  });

  it('in Chinese (the default UI language): the same rows, names and counts in Chinese', async () => {
    const { frame, press } = setup({ lang: 'zh', width: 100, height: 40 });
    expect(frame()).toContain('E 合成器');
    await press('E');
    expect(panelOf(frame())).toEqual([
      '合成器：3 路编码，解码 4 路',
      '1. H.264（打包模式 1） 1280×720@25 1500k 会议布局 2x2 → 郑州市政府, 小关镇, 回郭镇, 站街镇 另 5 个',
      '2. H.264（打包模式 0） 352×288@25   512k 米河镇 的专用布局 1 → 米河镇',
      '3. VP8                 1280×720@25 1500k 教育局 转码 → 竹林镇',
      '解码：郑州市政府, 小关镇, 米河镇（无图像）, 教育局',
      '未解码（不在画面上）：竹林镇',
    ]);
  });

  it('fits an 80×24 terminal in both languages: rows cut with the count of rooms left out, extra encoders counted', async () => {
    for (const lang of ['en', 'zh'] as const) {
      const { frame, press } = setup({ lang, width: 80, height: 24 });
      await press('E');
      const f = frame();
      for (const l of lines(f)) expect(stringWidth(l), `${lang}: ${l}`).toBeLessThanOrEqual(80);
      const panel = panelOf(f);
      // the conference picture's row keeps its first room and says how many more there are
      expect(panel[1]).toMatch(lang === 'en' ? /→ Zhengzhou \+8 more$/ : /→ 郑州市政府 另 8 个$/);
      expect(panel[2]).toBe(lang === 'en' ? '… and 2 more encoder(s) (vcbridge conf show lists every one)' : '… 另有 2 路编码（vcbridge conf show 列出全部）');
    }
    // a meeting of five sites on 80×24: the console's frame (its two header lines and a gap above)
    // still fits, the event log shrunk to make room
    const small = composed();
    small.participants = small.participants.slice(0, 5);
    const { frame, press } = setup({ conference: small, width: 80, height: 24 });
    await press('E');
    expect(lines(frame()).length).toBeLessThanOrEqual(24 - 3);
    expect(panelOf(frame())[0]).toBe('Compositor: 3 encoder(s), 4 source(s) decoded');
  });

  it('with no compositor running it says so in one line, not an empty box; a compositor with no picture yet too', async () => {
    const off = composed();
    delete off.multiview!.encoders;
    delete off.multiview!.decoding;
    delete off.multiview!.offScreen;
    const idle = composed();
    idle.multiview = { ...idle.multiview!, encoders: [], decoding: [], offScreen: [] };
    const noLayout = weeklyMeeting(); // no multiview at all (an older daemon, or a meeting without one)
    const cases = [
      [off, 'en', 'Compositor: not running — no room is shown a composed picture, nothing is decoded or encoded'],
      [off, 'zh', '合成器：未运行 — 没有会场看合成画面，不解码也不编码'],
      [noLayout, 'en', 'Compositor: not running — no room is shown a composed picture, nothing is decoded or encoded'],
      [idle, 'en', 'Compositor: running, no picture composed yet'],
      [idle, 'zh', '合成器：已启动，尚未合成画面'],
    ] as const;
    for (const [conference, lang, text] of cases) {
      const { frame, press } = setup({ conference, lang, width: 100 });
      await press('E');
      expect(panelOf(frame())).toEqual([text]);
    }
  });

  it('while open it reads the conference again and shows each new state: the compositor starting, a decoder getting pictures', async () => {
    const refreshed: string[] = [];
    let set: (c: ConferenceView) => void = () => undefined;
    const before = composed();
    delete before.multiview!.encoders;
    const r = renderIn('en', (
      <Live
        initial={before}
        expose={(s) => (set = s)}
        events={{}}
        stats={{}}
        actionsFor={() => ({}) as ConferenceActions}
        refresh={(id) => refreshed.push(id)}
        now={NOW}
        timezone="Asia/Shanghai"
        width={100}
        height={40}
        onBack={() => undefined}
      />
    ));
    await settle();
    expect(refreshed).toEqual([]); // closed: nothing asked
    r.stdin.write('E');
    await settle();
    expect(refreshed[0]).toBe('c1'); // at once on opening, then every 2 s
    expect(plain(r.lastFrame())).toContain('Compositor: not running');
    set(composed());
    await settle();
    expect(plain(r.lastFrame())).toContain('Decoding: Zhengzhou, Xiaoguan, Mihe (no picture), Education Bureau');
    const live = composed();
    live.multiview!.decoding = live.multiview!.decoding!.map((d) => ({ ...d, live: true }));
    set(live);
    await settle();
    expect(plain(r.lastFrame())).toContain('Decoding: Zhengzhou, Xiaoguan, Mihe, Education Bureau');
    r.stdin.write('E');
    await settle();
    const asked = refreshed.length;
    await sleep(2500); // longer than the refresh period: a closed panel asks no more
    expect(refreshed.length).toBe(asked);
  });
});
