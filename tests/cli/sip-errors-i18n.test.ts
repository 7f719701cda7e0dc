// Real refusals of the SIP and SDP layers, the control API, the health monitor and the store (issue
// #14 item 6): real code fed bad input, each error printed by the CLI's error text in Chinese with
// no English left but ids, addresses and protocol tokens.
import { describe, expect, it } from 'vitest';
import { explainError } from '../../cli/ui/i18n/explain.js';
import { translator } from '../../cli/ui/i18n/translate.js';
import { VcError } from '../../daemon/errors.js';
import { negotiate, parseRemoteSdp, type Capabilities } from '../../daemon/sip/sdpNegotiate.js';
import { parseNameAddr, routableUri, type SipUri } from '../../daemon/sip/message.js';
import { listenOptions, stackTlsOptions } from '../../daemon/sip/listen.js';
import { buildDtmfRtp } from '../../daemon/sip/dtmf.js';
import { allowList, untranslated } from '../helpers/untranslated.js';

const t = translator('zh');
const headline = (code: string): string => {
  const k = `err.${code}`;
  return k in (t as unknown as Record<string, unknown>) ? code : t(k as Parameters<typeof t>[0]);
};

/** Protocol tokens of SIP and SDP that stay as they are in Chinese text. */
const TOKENS = ['Contact', 'From', 'MKI', 'inline', 'rtcp', 'SAVP', 'AVP', 'tls', 'cert', 'key'];

async function refusal(fn: () => unknown): Promise<VcError> {
  try {
    await fn();
  } catch (err) {
    if (err instanceof VcError) return err;
    throw err;
  }
  throw new Error('expected a refusal');
}

function zhOf(e: VcError): string {
  return explainError(e.code, e.message, 'zh', headline);
}

function expectChinese(errors: VcError[], extra: string[] = []): string[] {
  const allowed = allowList(TOKENS, extra);
  allowed.add('rtcp-mux');
  return errors.map((e) => {
    const zh = zhOf(e);
    expect(untranslated(zh, allowed), `${e.message} → ${zh}`).toEqual([]);
    expect(zh).toMatch(/[\u4e00-\u9fff]/);
    if (process.env.SHOW_ZH) console.log(`${e.message}\n  → ${zh}`);
    return zh;
  });
}

const sdp = (...lines: string[]): string =>
  ['v=0', 'o=room 1 1 IN IP4 127.0.0.1', 's=-', 't=0 0', ...lines, ''].join('\r\n');
const AUDIO: Capabilities = { audio: { codecs: ['PCMA', 'PCMU'] } };
const KEY30 = Buffer.alloc(30, 7).toString('base64');

describe('SIP and SDP refusals in Chinese', () => {
  it('malformed and unusable SDP into the real negotiator', async () => {
    const errors = await Promise.all([
      refusal(() => parseRemoteSdp('')),
      refusal(() => parseRemoteSdp('hello')),
      refusal(() => parseRemoteSdp('v=0\r\n'.padEnd(70_000, 'x'))),
      refusal(() => parseRemoteSdp(sdp('c=IN IP4 127.0.0.1'))),
      refusal(() => parseRemoteSdp(sdp('m=audio 4000 RTP/AVP 0'))),
      refusal(() => parseRemoteSdp(sdp('c=IN IP4 bad_host!', 'm=audio 4000 RTP/AVP 0'))),
      refusal(() => parseRemoteSdp(sdp('c=IN IP4 127.0.0.1', 'm=audio 65535 RTP/AVP 0'))),
      refusal(() => parseRemoteSdp(sdp('c=IN IP4 127.0.0.1', 'm=audio 4000 RTP/AVP 0', 'a=rtcp:70000'))),
      refusal(() => negotiate(sdp('c=IN IP4 127.0.0.1', 'm=audio 4000 RTP/AVP 9', 'a=rtpmap:9 G722/8000'), AUDIO)),
      refusal(() =>
        negotiate(
          sdp('c=IN IP4 127.0.0.1', 'm=audio 0 RTP/AVP 0', 'm=video 4002 RTP/AVP 96', 'a=rtpmap:96 VP8/90000'),
          AUDIO,
        ),
      ),
      refusal(() => negotiate(sdp('c=IN IP4 127.0.0.1', 'm=audio 4000 RTP/SAVP 0'), { ...AUDIO, srtp: 'off' })),
      refusal(() => negotiate(sdp('c=IN IP4 127.0.0.1', 'm=audio 4000 RTP/AVP 0'), { ...AUDIO, srtp: 'required' })),
      refusal(() =>
        negotiate(
          sdp(
            'c=IN IP4 127.0.0.1',
            'm=audio 4000 RTP/SAVP 0',
            'a=crypto:1 AEAD_AES_256_GCM inline:' + KEY30,
            'a=crypto:2 AES_CM_128_HMAC_SHA1_80 inline:' + KEY30 + '|2^20|1:4',
            'a=crypto:3 AES_CM_128_HMAC_SHA1_80 inline:abc',
          ),
          AUDIO,
        ),
      ),
      refusal(() =>
        negotiate(
          sdp(
            'c=IN IP4 127.0.0.1',
            'm=audio 4000 RTP/AVP 0',
            'a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:' + KEY30 + '|2^60',
          ),
          { ...AUDIO, srtp: 'required' },
        ),
      ),
    ]);
    expect(errors.map((e) => e.code)).toEqual([
      ...Array<string>(8).fill('SDP_INVALID'),
      ...Array<string>(6).fill('SDP_NO_COMMON_CODEC'),
    ]);
    const zh = expectChinese(errors, ['hello', 'bad_host', 'AEAD', 'GCM', 'AES', 'HMAC', 'SHA']);
    expect(zh[8]).toContain('没有共同的音频编解码');
    expect(zh[9]).toContain('第 1 个 m 行（视频）：本路呼叫不含视频');
    // several a=crypto lines, each refused for its own reason, all said in Chinese
    expect(zh[12]).toContain('不支持该加密套件；');
    expect(zh[12]).toContain('不支持 MKI');
    expect(zh[12]).toContain('密钥和盐共');
  });

  it('bad SIP URIs, name-addrs, listeners and DTMF digits', async () => {
    const errors = await Promise.all([
      refusal(() => routableUri('mailto:someone', 'udp', 'dial')),
      refusal(() => routableUri('sip:room@127.0.0.1:99999', 'udp', 'contact2xx')),
      refusal(() => routableUri({ schema: 'sip', host: '', params: {} } as unknown as SipUri, 'udp', 'remoteTarget')),
      refusal(() => parseNameAddr('"Room <garbage')),
      refusal(() => listenOptions([])),
      refusal(() =>
        listenOptions([
          { transport: 'udp', host: '127.0.0.1', port: 5060 },
          { transport: 'udp', host: '127.0.0.1', port: 5062 },
        ]),
      ),
      refusal(() =>
        listenOptions([
          { transport: 'udp', host: '127.0.0.1', port: 5060 },
          { transport: 'tcp', host: '127.0.0.2', port: 5060 },
        ]),
      ),
      refusal(() => listenOptions([{ transport: 'udp', host: '127.0.0.1', port: 70_000 }])),
      refusal(() => stackTlsOptions(undefined)),
      refusal(() => stackTlsOptions({ cert: '/nonexistent/vcbridge-test.pem', key: '/nonexistent/key.pem' })),
      refusal(() => buildDtmfRtp('12x', { payloadType: 101, ssrc: 1, seq: 0, timestamp: 0, clockRate: 8000 })),
    ]);
    expect(errors.map((e) => e.code)).toEqual([
      'SIP_FAILED',
      'SIP_FAILED',
      'SIP_FAILED',
      'USAGE',
      ...Array<string>(6).fill('CONFIG_INVALID'),
      'USAGE',
    ]);
    const zh = expectChinese(errors, ['mailto', 'someone', 'Room', 'garbage', 'nonexistent']);
    expect(zh[0]).toContain('呼叫目标不是 SIP URI：mailto:someone');
    expect(zh[2]).toContain('对端地址（Contact）没有主机部分');
    expect(zh[9]).toContain('文件不存在');
  });
});
