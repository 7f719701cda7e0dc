// `conf show` prints what the compositor encodes and decodes (issue #13): one numbered line per composed
// picture — one encoder each — with its output class (codec and H.264 packetization mode, size, frame
// rate, bitrate), whose picture it is and the rooms shown it; then the sources decoded (those on some
// screen, one without a picture marked) and those not decoded. In English and Chinese; never a canvas id.
import { describe, expect, it } from 'vitest';
import { renderConference, renderMultiview } from '../../cli/confRender.js';
import type { ConferenceView } from '../../protocol/index.js';
import { SITE, browserParticipant, participant, weeklyMeeting } from '../helpers/console.js';

const BROWSER = browserParticipant({ viewing: 'layout:2x2' });

const CONF = 'conf|H264/1@1280x720p25';

/** Three rooms and the program feed on one H.264 picture, a personal CIF layout, a transcoded source. */
function meeting(): ConferenceView {
  const c = weeklyMeeting();
  c.participants = [...SITE.slice(0, 4).map((s) => participant(s, { viewing: 'layout:2x2' })), BROWSER];
  c.multiview = {
    layout: '2x2',
    banner: null,
    personal: { mihe: '1' },
    pins: {},
    pictures: {
      zhengzhou: { canvas: CONF, layout: '2x2', panes: ['zhengzhou', 'xiaoguan', 'mihe', 'web-3f9a1c'] },
      xiaoguan: { canvas: CONF, layout: '2x2', panes: ['zhengzhou', 'xiaoguan', 'mihe', 'web-3f9a1c'] },
      mihe: { canvas: 'site:mihe|H264/0@352x288p25', layout: '1', panes: ['zhengzhou'] },
    },
    encoders: [
      {
        canvas: CONF,
        kind: 'conference',
        codec: 'H264/1',
        width: 1280,
        height: 720,
        fps: 25,
        kbps: 1500,
        layout: '2x2',
        rooms: ['zhengzhou', 'xiaoguan'],
        program: true,
      },
      {
        canvas: 'site:mihe|H264/0@352x288p25',
        kind: 'personal',
        site: 'mihe',
        codec: 'H264/0',
        width: 352,
        height: 288,
        fps: 25,
        kbps: 512,
        layout: '1',
        rooms: ['mihe'],
      },
      {
        canvas: 'tx:web-3f9a1c|VP8@1280x720p25',
        kind: 'transcoded',
        site: 'web-3f9a1c',
        codec: 'VP8',
        width: 1280,
        height: 720,
        fps: 25,
        kbps: 1500,
        layout: '1',
        rooms: ['zhulin'],
      },
    ],
    decoding: [
      { source: 'zhengzhou', live: true },
      { source: 'xiaoguan', live: true },
      { source: 'mihe', live: false },
      { source: 'web-3f9a1c', live: true },
    ],
    offScreen: ['zhulin'],
  };
  return c;
}

describe('conf show: the compositor’s encoders and decoding', () => {
  it('English: one line per encoder with its class, whose picture and its rooms; decoding and off screen', () => {
    const mv = renderMultiview(meeting(), 'en').split('\n');
    expect(mv).toContain('  encoders (3):');
    expect(mv).toContain(
      '    1. H.264 (mode 1), 1280×720, 25 fps, 1500 kbit/s: conference layout 2x2 → zhengzhou, xiaoguan, program feed',
    );
    expect(mv).toContain("    2. H.264 (mode 0), 352×288, 25 fps, 512 kbit/s: mihe's layout 1 → mihe");
    expect(mv).toContain(
      '    3. VP8, 1280×720, 25 fps, 1500 kbit/s: Education Bureau (web-3f9a1c) transcoded → zhulin',
    );
    expect(mv).toContain('  decoding (4): zhengzhou, xiaoguan, mihe (no picture), Education Bureau (web-3f9a1c)');
    expect(mv).toContain('  not decoded (on no screen): zhulin');
  });

  it('Chinese: the same lines', () => {
    const mv = renderMultiview(meeting(), 'zh').split('\n');
    expect(mv).toContain('  编码器（3 路）：');
    expect(mv).toContain(
      '    1. H.264（打包模式 1），1280×720，25 帧/秒，1500 kbit/s：会议布局 2x2 → zhengzhou, xiaoguan, 节目流',
    );
    expect(mv).toContain('    2. H.264（打包模式 0），352×288，25 帧/秒，512 kbit/s：mihe 的专用布局 1 → mihe');
    expect(mv).toContain('    3. VP8，1280×720，25 帧/秒，1500 kbit/s：教育局 (web-3f9a1c) 转码 → zhulin');
    expect(mv).toContain('  解码（4 路）：zhengzhou, xiaoguan, mihe（无图像）, 教育局 (web-3f9a1c)');
    expect(mv).toContain('  未解码（不在画面上）：zhulin');
  });

  it('printed after the panes, never with a canvas id; nothing of it while no compositor runs', () => {
    for (const lang of ['en', 'zh'] as const) {
      const text = renderConference(meeting(), lang);
      expect(text).not.toMatch(/tx:|site:|conf\||\|H264|@1280/);
      const lines = text.split('\n');
      const see = lines.findIndex((l) => / (see|看) 2x2/.test(l));
      const enc = lines.findIndex((l) => /encoders|编码器/.test(l));
      expect(see).toBeGreaterThan(0);
      expect(enc).toBeGreaterThan(see);
    }
    const none = meeting();
    delete none.multiview!.encoders;
    delete none.multiview!.decoding;
    delete none.multiview!.offScreen;
    expect(renderMultiview(none, 'en')).not.toMatch(/encoders|decoding/);
    // an empty compositor (a layout just chosen, nothing composed yet) says so
    const empty = meeting();
    empty.multiview!.encoders = [];
    empty.multiview!.decoding = [];
    empty.multiview!.offScreen = [];
    expect(renderMultiview(empty, 'en').split('\n')).toEqual(
      expect.arrayContaining(['  encoders (0):', '  decoding (0): —']),
    );
  });
});
