// The media layer's error details in the operator's language (issue #14, item 6). Every VcError of
// daemon/media is written from a template of protocol/reasons/mediaEn.ts (or a core one), so the CLI
// recovers its key from the English text and says it in Chinese. Checked two ways: no module under
// daemon/media builds a VcError message from a literal (one would pass unseen), and real media code
// refusing bad input gives errors the CLI prints wholly in Chinese.
import dgram from 'node:dgram';
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { parseReason, say } from '../../protocol/index.js';
import { explain, explainError } from '../../cli/ui/i18n/explain.js';
import { createAudioCodec } from '../../daemon/media/codecs/createAudioCodec.js';
import { routerCodecFor } from '../../daemon/media/mediaCodecs.js';
import { MixCore } from '../../daemon/media/MixCore.js';
import { RelayPortPool } from '../../daemon/media/RelayPortPool.js';
import { SrtpContext } from '../../daemon/media/srtp/libsrtp.js';
import { parseLayout } from '../../daemon/media/compositor/layouts.js';
import { checkRtmpUrl } from '../../daemon/media/live/ffmpegArgs.js';
import { MediaPlane } from '../../daemon/media/plane/MediaPlane.js';
import { literalMessages, refusal, tsFilesUnder, zhHeadline, zhOffences } from '../helpers/errorTemplates.js';
import { allowList } from '../helpers/untranslated.js';

describe("the media layer's error details in Chinese", () => {
  it('every VcError under daemon/media is built from a template', () => {
    const files = tsFilesUnder('daemon/media');
    const literal = literalMessages(files);
    expect(files.length).toBeGreaterThan(30);
    expect(literal).toEqual([]);
  });

  it('real refusals of the media layer are printed wholly in Chinese', async () => {
    const log = pino({ level: 'silent' });
    const mixer = new MixCore({ log });
    mixer.add('mihe', 'PCMU', {});
    const errors = await Promise.all([
      refusal(() => new RelayPortPool({ range: { min: 40001, max: 40001 }, address: '127.0.0.1' })),
      refusal(() => createAudioCodec('AMR')),
      refusal(() => new SrtpContext('AES_CM_128_HMAC_SHA1_80', new Uint8Array(16), 'inbound', { maxPackets: 1 })),
      refusal(() => routerCodecFor({ codecs: [] }, 'audio', { port: 4000, pt: 96, codec: 'AMR', clockRate: 8000 })),
      refusal(() => mixer.add('mihe', 'PCMU', {})),
      refusal(() => mixer.setMuted('nowhere', true)),
    ]);
    mixer.close();
    expect(errors.map((e) => e.code)).toEqual([
      'CONFIG_INVALID',
      'SDP_NO_COMMON_CODEC',
      'SDP_INVALID',
      'SDP_NO_COMMON_CODEC',
      'MEDIA_FAILED',
      'PARTICIPANT_UNKNOWN',
    ]);
    for (const e of errors) expect(parseReason(e.message)?.key, e.message).toMatch(/^media\./);
    expect(zhOffences(errors, allowList(['AMR', 'mihe', 'nowhere']))).toEqual([]);
    expect(explainError('SDP_NO_COMMON_CODEC', errors[3]!.message, 'zh', zhHeadline)).toContain(
      '媒体层无法传输音频编解码器 AMR/8000',
    );
  });

  it('refuses bad RTMP URLs and layouts with templates, said wholly in Chinese', async () => {
    const errors = await Promise.all([
      ...['', ' rtmp://a b/live/k', 'x'.repeat(1100), 'nothing', 'http://cdn.example/live/k', 'rtmp://cdn.example'].map(
        (url) => refusal(() => checkRtmpUrl(url)),
      ),
      refusal(() => parseLayout('7x7')),
    ]);
    expect(new Set(errors.map((e) => e.code))).toEqual(new Set(['PARAMS_INVALID', 'BAD_REQUEST']));
    expect(errors.map((e) => parseReason(e.message)?.key)).toEqual([
      'media.live.urlEmpty',
      'media.live.urlSpaces',
      'media.live.urlLong',
      'media.live.notUrl',
      'media.live.scheme',
      'media.live.noApp',
      'err.layoutUnknown',
    ]);
    expect(zhOffences(errors, allowList(['nothing', 'http', 'auto', 'off']))).toEqual([]);
    // the English text an older client or a log reader sees is what it was before the templates
    expect(errors[4]!.message).toBe('the RTMP URL must start with rtmp:// or rtmps://, got http://');
  });

  it("an error of the media plane's worker thread arrives as text that still matches its template", async () => {
    const plane = await MediaPlane.start({ log: pino({ level: 'silent' }), nice: 0 });
    // a port held here: the worker's mixer cannot bind it, and Node's own error says so in English
    const holder = dgram.createSocket('udp4');
    await new Promise<void>((resolve) => holder.bind(0, '127.0.0.1', resolve));
    const held = holder.address().port;
    try {
      plane.command({ op: 'mix.open', mid: 5 });
      const errors = await Promise.all([
        refusal(() => plane.request({ op: 'relay.counters', rid: 4242 })),
        refusal(() => plane.request({ op: 'mix.tap', mid: 77, port: 9 })),
        refusal(() => plane.request({ op: 'mix.tap', mid: 5, port: held })),
      ]);
      expect(errors.map((e) => [e.code, parseReason(e.message)?.key])).toEqual([
        ['MEDIA_FAILED', 'media.plane.noRelay'],
        ['MEDIA_FAILED', 'media.plane.noMixer'],
        ['MEDIA_FAILED', 'media.plane.failed'],
      ]);
      expect(parseReason(errors[0]!.message)?.params).toEqual({ rid: '4242' });
      expect(parseReason(errors[2]!.message)?.params).toEqual({
        op: 'mix.tap',
        why: expect.stringContaining('EADDRINUSE'),
      });
      expect(explainError(errors[0]!.code, errors[0]!.message, 'zh', zhHeadline)).toContain('媒体线程中没有中继 4242');
      expect(explainError(errors[2]!.code, errors[2]!.message, 'zh', zhHeadline)).toContain(
        '媒体线程无法执行 mix.tap：',
      );
    } finally {
      holder.close();
      await plane.close();
    }
    // closed: a request is refused on this side, from a template too
    const closed = await refusal(() => plane.request({ op: 'loopDelay', reset: false }));
    expect(parseReason(closed.message)?.key).toBe('media.plane.closed');
  });

  it('says a live output that failed and the kind of media a leg lacks in Chinese', () => {
    const why = say('media.live.killed', { signal: 'SIGKILL', output: say('media.live.stalled', { s: 20 }) });
    expect(explain(say('ev.liveFailing', { output: 'rtmp-1', why }), 'zh')).toContain(
      'ffmpeg 被 SIGKILL 终止：20 秒内未写出任何帧',
    );
    expect(explain(say('media.legNoKind', { leg: 'mihe-1', kind: 'video' }), 'zh')).toBe('通道 mihe-1 没有视频');
  });
});
