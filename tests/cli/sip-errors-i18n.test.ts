// Real refusals of the SIP and SDP layers, the control API, the health monitor and the store (issue
// #14 item 6): real code fed bad input, each error printed by the CLI's error text in Chinese with
// no English left but ids, addresses and protocol tokens.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import { explainError } from '../../cli/ui/i18n/explain.js';
import type { VcError } from '../../daemon/errors.js';
import { negotiate, parseRemoteSdp, type Capabilities } from '../../daemon/sip/sdpNegotiate.js';
import { parseNameAddr, routableUri, type SipUri } from '../../daemon/sip/message.js';
import { listenOptions, stackTlsOptions } from '../../daemon/sip/listen.js';
import { buildDtmfRtp } from '../../daemon/sip/dtmf.js';
import { Store } from '../../daemon/store/Store.js';
import { EndpointMonitor } from '../../daemon/health/EndpointMonitor.js';
import { MethodRouter, type Caller } from '../../daemon/api/MethodRouter.js';
import { RpcDispatcher, type RpcSession } from '../../daemon/api/RpcDispatcher.js';
import { registerConferenceMethods } from '../../daemon/api/methods/conference.js';
import { registerEndpointMethods } from '../../daemon/api/methods/endpoints.js';
import { registerReportMethods } from '../../daemon/api/methods/report.js';
import { registerScheduleMethods } from '../../daemon/api/methods/schedule.js';
import type { ConferenceManager } from '../../daemon/conference/ConferenceManager.js';
import type { Scheduler } from '../../daemon/scheduler/Scheduler.js';
import { loadConfig } from '../../daemon/config/load.js';
import type { RpcResponse } from '../../protocol/index.js';
import { LegSdes } from '../../daemon/conference/sip/sipSrtp.js';
import { systemClock } from '../../daemon/util/clock.js';
import { silentLogger } from '../../daemon/util/logger.js';
import { LATEST_VERSION } from '../../daemon/store/migrations.js';
import { guard } from '../../daemon/store/sql.js';
import { say } from '../../protocol/index.js';
import { refusal, zhHeadline } from '../helpers/errorTemplates.js';
import { allowList, untranslated } from '../helpers/untranslated.js';

/** Protocol tokens of SIP and SDP that stay as they are in Chinese text. */
const TOKENS = ['Contact', 'From', 'MKI', 'inline', 'rtcp', 'SAVP', 'AVP', 'SQLite', 'WAL', 'tls', 'cert', 'key'];

function zhOf(e: VcError): string {
  return explainError(e.code, e.message, 'zh', zhHeadline);
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

describe('store refusals in Chinese', () => {
  const root = mkdtempSync(join(tmpdir(), 'vc-i18n-store-'));
  afterAll(() => rmSync(root, { recursive: true, force: true }));

  it('a real SQLite file: not a database, a newer schema, unknown ids, a bad argument, a refused write', async () => {
    const garbage = join(root, 'garbage.db');
    writeFileSync(garbage, 'this is not sqlite '.repeat(100));
    const newer = join(root, 'newer.db');
    Store.open(newer).close();
    const raw = new Database(newer);
    raw.pragma(`user_version = ${LATEST_VERSION + 3}`);
    raw.close();
    const store = Store.open(join(root, 'ok.db'));
    const readOnly = new Database(':memory:');
    readOnly.pragma('query_only = ON');
    try {
      const errors = await Promise.all([
        refusal(() => Store.open(garbage)),
        refusal(() => Store.open(newer)),
        refusal(() => store.conferences.end('c-nowhere', 'test')),
        refusal(() => store.schedules.cancel('s-nowhere')),
        refusal(() => store.schedules.setException({ scheduleId: 's-x', occurrenceStartUtc: 0, kind: 'moved' })),
        refusal(() => store.audit.list({ since: 'yesterday' })),
        refusal(() =>
          guard(say('store.do.kv', { key: 'lastCleanShutdown' }), () => readOnly.exec('CREATE TABLE t (x)')),
        ),
      ]);
      expect(errors.map((e) => e.code)).toEqual([
        'STORE_FAILED',
        'STORE_FAILED',
        'CONFERENCE_UNKNOWN',
        'SCHEDULE_UNKNOWN',
        'SCHEDULE_INVALID',
        'PARAMS_INVALID',
        'STORE_FAILED',
      ]);
      const zh = expectChinese(errors, ['garbage', 'newer', 'yesterday', 'lastCleanShutdown']);
      expect(zh[0]).toContain('不是 SQLite 数据库');
      expect(zh[1]).toContain(`结构版本为 ${LATEST_VERSION + 3}`);
      expect(zh[6]).toBe('数据库错误：数据库出错（写入键值“lastCleanShutdown”时）：数据库只读（SQLITE_READONLY）');
    } finally {
      store.close();
      readOnly.close();
    }
  });
});

describe('SRTP, health monitor and API registration refusals in Chinese', () => {
  it("a leg's SDES keys, the endpoint monitor and the method table refusing", async () => {
    const KEY = Buffer.alloc(30, 9).toString('base64');
    const sdes = new LegSdes('optional');
    sdes.offer('audio');
    const badKeyAnswer = negotiate(
      sdp('c=IN IP4 127.0.0.1', 'm=audio 4000 RTP/AVP 0', 'a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:abc'),
      AUDIO,
    );
    const otherTagAnswer = negotiate(
      sdp('c=IN IP4 127.0.0.1', 'm=audio 4000 RTP/SAVP 0', `a=crypto:7 AES_CM_128_HMAC_SHA1_80 inline:${KEY}`),
      AUDIO,
    );
    const store = Store.open(':memory:');
    // the refusals come before any probe: the prober is never asked
    const monitor = new EndpointMonitor({
      prober: {
        options: () => Promise.reject(new Error('not probed')),
      },
      repo: store.health,
      clock: systemClock,
      log: silentLogger(),
      settings: { intervalSeconds: 10, timeoutMs: 2000, concurrency: 4, degradedRttMs: 300 },
    });
    monitor.start([]);
    const router = new MethodRouter();
    router.register('status', undefined, () => ({}) as never);
    try {
      const errors = await Promise.all([
        refusal(() => new LegSdes('required', [])),
        refusal(() => sdes.takeAnswer(badKeyAnswer)),
        refusal(() => sdes.takeAnswer(otherTagAnswer)),
        refusal(() => monitor.start([])),
        refusal(() => monitor.probeNow('nowhere')),
        refusal(() => router.register('status', undefined, () => ({}) as never)),
      ]);
      expect(errors.map((e) => e.code)).toEqual([
        'MEDIA_FAILED',
        'SDP_NO_COMMON_CODEC',
        'SDP_INVALID',
        'INTERNAL',
        'ENDPOINT_UNKNOWN',
        'INTERNAL',
      ]);
      const zh = expectChinese(errors, ['nowhere', 'status']);
      expect(zh[1]).toContain('音频应答中的 a=crypto 无法使用：标签 1 AES_CM_128_HMAC_SHA1_80：密钥和盐共 2 字节');
      expect(zh[2]).toContain('标签 7 AES_CM_128_HMAC_SHA1_80 不在我方的提议中');
    } finally {
      monitor.close();
      store.close();
    }
  });
});

describe('the control API refusing bad calls in Chinese', () => {
  it('bad frames, unknown methods, a missing role and bad params through the real dispatcher and method table', async () => {
    const { config } = loadConfig('configs/gongyi.example.yaml', { env: {} });
    const store = Store.open(':memory:');
    const router = new MethodRouter();
    // the params are refused before a handler runs: the manager and the scheduler are never asked
    registerConferenceMethods(router, {} as ConferenceManager);
    registerScheduleMethods(router, {} as Scheduler);
    registerReportMethods(router, { config: () => config, store, clock: systemClock } as never);
    registerEndpointMethods(router, { config: () => config, monitor: {} } as never);
    const dispatcher = new RpcDispatcher({ router, audit: store.audit, log: silentLogger() });
    const session = (role: Caller['role']): RpcSession => ({
      caller: { name: 'demo', role, address: '127.0.0.1' },
      badToken: false,
      address: '127.0.0.1',
      topics: new Set(),
    });
    const send = async (text: string, role: Caller['role'] = 'operator'): Promise<VcError> => {
      const reply = JSON.parse((await dispatcher.message(session(role), text))!) as RpcResponse | RpcResponse[];
      const error = (Array.isArray(reply) ? reply[0]! : reply).error!;
      return { code: error.data!.code, message: error.message } as VcError;
    };
    const call = (method: string, params: unknown, role?: Caller['role']): Promise<VcError> =>
      send(JSON.stringify({ jsonrpc: '2.0', id: 1, method, params }), role);
    try {
      const errors = [
        await send('{"jsonrpc": "2.0", "id": 1, "method": '),
        await send('[]'),
        await send(JSON.stringify({ hello: 'world', id: 7 })),
        await send(JSON.stringify({ jsonrpc: '2.0', id: {}, method: 'status' })),
        await call('no.such.method', {}),
        await call('conference.start', { title: 'x' }, 'viewer'),
        await call('conference.start', { title: 5, endpoints: 'mihe', mode: 'loud', durationMinutes: 0.5 }),
        await call('conference.start', { title: 'x', bogus: true }),
        await call('conference.hangup', { id: 'c-1' }),
        await call('schedule.edit', { id: 's-1', from: '2026-12-07 09:00', occurrence: '2026-12-14 09:00' }),
        await call('report.daily', { date: '2026-1-1' }),
        await call('conference.start', []),
        await call('endpoints.list', { group: 'nope' }),
      ];
      expect(errors.map((e) => e.code)).toEqual([
        'BAD_REQUEST',
        'BAD_REQUEST',
        'BAD_REQUEST',
        'BAD_REQUEST',
        'METHOD_UNKNOWN',
        'FORBIDDEN',
        ...Array<string>(6).fill('PARAMS_INVALID'),
        'GROUP_UNKNOWN',
      ]);
      // field names and values of the API stay as they are (they are what a script sends)
      const fields = ['title', 'endpoints', 'mode', 'loud', 'bogus', 'durationMinutes', 'endpointId', 'date', 'nope'];
      const groups = config.groups.map((g) => g.id);
      const zh = expectChinese(errors, ['demo', ...fields, ...groups, 'broadcast', 'rollcall', 'voice', 'select']);
      expect(zh[6]).toBe(
        '参数有误：conference.start 的参数有误：字段 title：应为字符串，收到的是数字；字段 endpoints：应为列表，收到的是字符串；字段 mode：必须是以下之一：broadcast, rollcall, voice, select；字段 durationMinutes：应为整数，收到的是数字',
      );
      expect(zh[8]).toContain('字段 endpointId：缺失');
      expect(zh[10]).toContain('字段 date：应为 年-月-日');
    } finally {
      store.close();
    }
  });
});
