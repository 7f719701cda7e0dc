import { describe, expect, it } from 'vitest';
import { parseReason, REASONS_EN, reasonText, say, type ReasonKey } from '../../protocol/index.js';
import { cliEn } from '../../cli/ui/i18n/cliEn.js';
import { cliZh } from '../../cli/ui/i18n/cliZh.js';
import { reasonsZh } from '../../cli/ui/i18n/reasonsZh.js';
import { explain, explainError } from '../../cli/ui/i18n/explain.js';
import { CORE_REASONS_EN } from '../../protocol/reasonsEn.js';
import { CONFIG_REASONS_EN } from '../../protocol/reasons/configEn.js';
import { MEDIA_REASONS_EN } from '../../protocol/reasons/mediaEn.js';
import { OPS_REASONS_EN } from '../../protocol/reasons/opsEn.js';
import { SIP_REASONS_EN } from '../../protocol/reasons/sipEn.js';

const placeholders = (s: string) => [...s.matchAll(/\{(\w+)\}/g)].map((m) => m[1]).sort();

describe('daemon reasons in the operator language', () => {
  it('translates every reason and every plain-command message with the same placeholders', () => {
    for (const [key, text] of Object.entries(REASONS_EN)) {
      expect(placeholders(reasonsZh[key as ReasonKey]), key).toEqual(placeholders(text));
    }
    expect(Object.keys(cliZh).sort()).toEqual(Object.keys(cliEn).sort());
    for (const [key, text] of Object.entries(cliEn)) {
      expect(placeholders(cliZh[key as keyof typeof cliEn]), key).toEqual(placeholders(text));
    }
  });

  it('gives each key one English template: no key is in two of the catalogues', () => {
    const all = [CORE_REASONS_EN, MEDIA_REASONS_EN, SIP_REASONS_EN, OPS_REASONS_EN, CONFIG_REASONS_EN].flatMap((c) =>
      Object.keys(c),
    );
    // a key in two catalogues would be overwritten silently by the later one
    expect(all.filter((k, i) => all.indexOf(k) !== i)).toEqual([]);
    expect(all.length).toBe(Object.keys(REASONS_EN).length);
  });

  it('recovers the key and parameters of every template from its English text', () => {
    for (const key of Object.keys(REASONS_EN) as ReasonKey[]) {
      const params = Object.fromEntries(placeholders(REASONS_EN[key]).map((p, i) => [p, `v${i}x`]));
      const text = say(key, params);
      const back = parseReason(text);
      expect(back, `${key}: ${text}`).toBeDefined();
      // a less specific template may win only if it says the same thing
      expect(reasonText(back!), key).toBe(text);
    }
  });

  it('says the monitor reason "no answer within 2000 ms over UDP" in Chinese, numbers and tokens kept', () => {
    expect(explain('no answer within 2000 ms over UDP', 'zh')).toBe('2000 ms 内无 UDP 应答');
    expect(explain('no answer within 2000 ms over UDP', 'en')).toBe('no answer within 2000 ms over UDP');
  });

  it('translates nested reasons and SIP answers inside a reason', () => {
    const dropped = say('ev.failed', {
      id: 'mihe',
      reason: say('leg.callFailed', { uri: 'sip:mihe@127.0.1.4', why: '486 Busy Here' }),
    });
    expect(explain(dropped, 'zh')).toBe('mihe 呼叫失败：呼叫 sip:mihe@127.0.1.4 失败：486 忙');
    const structured = {
      key: 'cause.otherTransport',
      params: {
        other: 'TCP',
        configured: 'UDP',
        otherId: 'tcp',
        cause: say('cause.timeoutUdp', { ms: 2000, port: 5060 }),
      },
    } as const;
    expect(explain(structured, 'zh')).toBe(
      '通过 TCP 有应答，通过 UDP 没有（2000 ms 内无 UDP 应答：对方主机未开机，或途中防火墙丢弃了 SIP（UDP 5060））：请修复通往它的 UDP 线路，或为它设置 “transport: tcp”',
    );
  });

  it('puts a daemon error in Chinese by its code and its parsed message', () => {
    const head = (c: string) => (c === 'ENDPOINT_UNKNOWN' ? '未知终端' : c);
    expect(explainError('ENDPOINT_UNKNOWN', say('err.endpointUnknown', { id: 'nowhere' }), 'zh', head)).toBe(
      '未知终端：站点配置中没有终端“nowhere”（见 vcbridge endpoints）',
    );
  });
});
