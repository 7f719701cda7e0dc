// `conf show` as text: what each room sees, and who is in each pane of a composed picture, named so an
// operator can tell — a site by its id (what the commands take), a browser participant by the name it
// was invited with and its id (web-3f9a1c alone says nothing), in both languages. --json keeps the id.
import { describe, expect, it } from 'vitest';
import { renderConference, renderMultiview, seenAs } from '../../cli/confRender.js';
import type { ConferenceView } from '../../protocol/index.js';
import { SITE, browserParticipant, participant, weeklyMeeting } from '../helpers/console.js';

const BROWSER = browserParticipant({ hasFloor: true });

/** The chair (an H.264 room) shown the VP8 browser through a transcoded picture; mihe on a 2x2. */
function meeting(): ConferenceView {
  const c = weeklyMeeting({ floor: 'web-3f9a1c' });
  c.participants = [
    participant(SITE[0]!, { viewing: 'web-3f9a1c' }),
    participant(SITE[2]!, { viewing: 'layout:2x2' }),
    participant(SITE[1]!, { viewing: 'web-3f9a1c' }),
    BROWSER,
  ];
  c.multiview = {
    layout: 'off',
    banner: null,
    personal: { mihe: '2x2' },
    pins: {},
    pictures: {
      zhengzhou: { canvas: 'tx:web-3f9a1c|H264/1@1280x720p25', layout: '1', panes: ['web-3f9a1c'] },
      mihe: { canvas: 'site:mihe|H264/1@1280x720p25', layout: '2x2', panes: ['web-3f9a1c', 'xiaoguan', 'mihe', null] },
    },
  };
  return c;
}

describe('conf show names what rooms see', () => {
  it('a browser by its name and id, a site by its id', () => {
    const c = meeting();
    expect(seenAs(c, 'web-3f9a1c', 'en')).toBe('Education Bureau (web-3f9a1c)');
    expect(seenAs(c, 'web-3f9a1c', 'zh')).toBe('教育局 (web-3f9a1c)');
    expect(seenAs(c, 'xiaoguan', 'zh')).toBe('xiaoguan');
    expect(seenAs(c, 'layout:2x2', 'en')).toBe('layout:2x2');
  });

  it('the table and the multi-picture lines never show a canvas id; the browser by name', () => {
    for (const lang of ['en', 'zh'] as const) {
      const text = renderConference(meeting(), lang);
      const who = lang === 'zh' ? '教育局 (web-3f9a1c)' : 'Education Bureau (web-3f9a1c)';
      // the chair's row: it sees the browser (through its transcoded picture)
      const chairRow = text.split('\n').find((l) => l.startsWith('zhengzhou'));
      expect(chairRow, text).toContain(who);
      expect(text).not.toMatch(/tx:|canvas:|\|H264/);
      const mv = renderMultiview(meeting(), lang);
      expect(mv).toContain(`zhengzhou ${lang === 'zh' ? '看' : 'see'} 1`);
      expect(mv).toContain(`1 ${who}`);
      expect(mv).toMatch(lang === 'zh' ? /（转码）/ : /\(transcoded\)/);
      expect(mv).toContain(`1 ${who}, 2 xiaoguan, 3 mihe, 4 —`);
    }
  });
});
