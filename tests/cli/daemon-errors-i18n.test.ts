// The daemon's error details in the operator's language (issue #14, item 6). The daemon writes each
// error's message from a reason template (say(key, params), English, protocol/reasonsEn.ts); the CLI
// recovers the key from the text and says it from its Chinese catalogue. Checked three ways: every
// template said in Chinese leaves no English word but ids and protocol tokens; real daemon code
// refusing bad input gives errors the CLI prints wholly in Chinese; and the operator-facing modules
// build every VcError message from a template (a literal English message would pass unseen).
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { REASONS_EN, say, type ReasonKey } from '../../protocol/index.js';
import { explain, explainError } from '../../cli/ui/i18n/explain.js';
import { checkDuration, checkTimezone, checkTitle, parseStart } from '../../daemon/scheduler/booking.js';
import { Multiview } from '../../daemon/conference/multiview.js';
import { Polling } from '../../daemon/conference/Polling.js';
import { systemClock } from '../../daemon/util/clock.js';
import { ROOT } from '../helpers/daemon.js';
import { literalMessages, refused, tsFilesUnder, zhHeadline as headline } from '../helpers/errorTemplates.js';
import { CONFIG_WORDS } from '../helpers/configWords.js';
import { allowList, untranslated } from '../helpers/untranslated.js';

/** Words that stay as they are in Chinese text: rule keywords, command words, config keys. */
const TOKENS = ['COUNT', 'UNTIL', 'BYMONTH', 'BYMONTHDAY', 'LAYOUT', 'SITE', 'default', 'auto', 'off', 'none', 'wss'];
/** SIP header names, SDP words and names that stay as they are: Contact, From, MKI, inline:, a=rtcp, RTP/SAVP, SQLite, WAL. */
const SIP_TOKENS = ['Contact', 'From', 'MKI', 'inline', 'rtcp', 'SAVP', 'AVP', 'SQLite', 'WAL'];
/** Command words of the examples the messages give (`vcbridge conf list`), and the sample group. */
const COMMANDS = [
  'conf',
  'layout',
  'list',
  'poll',
  'endpoints',
  'schedule',
  'template',
  'recordings',
  'record',
  'stop',
  'show',
];
/** The site config's keys and enum values (config messages name a field as the file spells it). */
const WORDS = [...TOKENS, ...SIP_TOKENS, ...COMMANDS, 'daemon', 'status', 'towns', ...CONFIG_WORDS];
const placeholders = (s: string): string[] => [...s.matchAll(/\{(\w+)\}/g)].map((m) => m[1]!);

describe("the daemon's error details in Chinese", () => {
  it('every reason and error template says nothing in English when put in Chinese', () => {
    const offences: string[] = [];
    for (const key of Object.keys(REASONS_EN) as ReasonKey[]) {
      // ids as parameters: what is left in English is the template's own
      const params = Object.fromEntries(placeholders(REASONS_EN[key]).map((p, i) => [p, `id${i}`]));
      const zh = explain(say(key, params), 'zh');
      for (const o of untranslated(zh, allowList(WORDS))) offences.push(`${key}: ${o.word} in ${zh}`);
    }
    expect(offences).toEqual([]);
  });

  it('real refusals of the scheduler and the meeting controls are printed wholly in Chinese', () => {
    const errors = [
      refused(() => checkTitle('')),
      refused(() => checkTitle('x'.repeat(500))),
      refused(() => checkDuration(0)),
      refused(() => checkDuration(1.5)),
      refused(() => checkDuration(100_000)),
      refused(() => checkTimezone('Mars/Olympus')),
      refused(() => parseStart('next tuesday', 'Asia/Shanghai')),
      refused(() => Multiview.parseChoice('7x7', false)),
      refused(() => Multiview.parseChoice('default', false)),
      refused(() => new Multiview().checkPane(3)),
      refused(() => new Multiview().setBanner('')),
      refused(
        () =>
          new Polling(
            { intervalSeconds: 2, sites: ['mihe'], target: null, pane: null },
            { clock: systemClock, showable: () => true, switched: () => undefined },
          ),
      ),
    ];
    expect(errors.map((e) => e.code)).toEqual([
      'SCHEDULE_INVALID',
      'SCHEDULE_INVALID',
      'SCHEDULE_INVALID',
      'SCHEDULE_INVALID',
      'SCHEDULE_INVALID',
      'SCHEDULE_INVALID',
      'SCHEDULE_INVALID',
      'BAD_REQUEST',
      'BAD_REQUEST',
      'BAD_REQUEST',
      'BAD_REQUEST',
      'BAD_REQUEST',
    ]);
    for (const e of errors) {
      const zh = explainError(e.code, e.message, 'zh', headline);
      expect(
        untranslated(zh, allowList(WORDS, ['Mars', 'Olympus', 'next', 'tuesday'])),
        `${e.message} → ${zh}`,
      ).toEqual([]);
    }
    expect(explainError('SCHEDULE_INVALID', errors[3]!.message, 'zh', headline)).toContain(
      '时长必须是整分钟，收到 1.5',
    );
  });

  it("the operator-facing modules build every VcError message from a template, and the recording's notices too", () => {
    const dirs = ['daemon/conference', 'daemon/conference/recording'];
    const files = [
      ...dirs.flatMap((d) =>
        readdirSync(join(ROOT, d))
          .filter((f) => f.endsWith('.ts'))
          .map((f) => `${d}/${f}`),
      ),
      ...['booking', 'seriesEdits', 'Scheduler', 'MeetingCatalog', 'ruleWalk'].map((f) => `daemon/scheduler/${f}.ts`),
      // SIP and SDP, the control API, the health monitor and the store (tests/cli/sip-errors-i18n.test.ts)
      ...['daemon/sip', 'daemon/conference/sip', 'daemon/api', 'daemon/health', 'daemon/store'].flatMap((d) =>
        tsFilesUnder(d),
      ),
    ];
    const literal = literalMessages(files, { notices: true });
    expect(files.length).toBeGreaterThan(100);
    expect(literal).toEqual([]);
  });
});
