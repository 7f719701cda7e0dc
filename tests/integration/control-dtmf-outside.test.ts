// DTMF from a room that is not in a meeting (issue #14, bad input). The room is a real sipp (a UAS
// scenario): it answers the bridge's INVITE, keys its raise-hand digit by RFC 4733 while in the
// meeting (its hand goes up: the path works for this room), and after the operator hangs it up it
// keys the same digit again, by RFC 4733 towards its old media port and by SIP INFO in its ended
// dialog. A second sipp sends a DTMF INFO outside any dialog. Both INFOs must be answered 481, no
// hand may go up, the bridge must keep answering, and the log must say what came from where.
import { Writable } from 'node:stream';
import { readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ConferenceView } from '../../protocol/index.js';
import { bridgeCli, startBridge, type Bridge } from '../helpers/conferenceBridge.js';
import { optionsPing } from '../helpers/sipOptions.js';
import { until } from '../helpers/wait.js';
import { freePortRun, removeDir, startProc, tempDir, type Proc } from '../peers/proc.js';
import { answerInvite, runSipp } from '../peers/sipp.js';

/** sipp's own capture of one RFC 4733 event for the digit 1 (payload type 101, as the bridge offers). */
const DTMF_1_PCAP = '/usr/share/sip-tester/dtmf_2833_1.pcap';

const dtmfInfo = (requestUri: string, from: string, to: string, callId: string): string => `
      INFO ${requestUri} SIP/2.0
      Via: SIP/2.0/[transport] [local_ip]:[local_port];branch=[branch]
      From: ${from}
      To: ${to}
      Call-ID: ${callId}
      CSeq: 7 INFO
      Max-Forwards: 70
      Content-Type: application/dtmf-relay
      Content-Length: [len]

      Signal=1
      Duration=160
`;

// played by a thread of sipp's: the scenario goes on at once (the BYE may come while it plays)
const keyDigit = `
  <nop><action><exec play_pcap_audio="${DTMF_1_PCAP}" /></action></nop>`;

/** The room: answers, keys 1 (its hand goes up), waits for the bridge's BYE, then keys 1 twice more. */
const ROOM_XML = `<?xml version="1.0" encoding="ISO-8859-1" ?>
<scenario name="room keying DTMF after its call left the meeting">
${answerInvite([
  'v=0',
  'o=room 1 1 IN IP4 127.0.0.1',
  's=room',
  'c=IN IP4 127.0.0.1',
  't=0 0',
  'm=audio [media_port] RTP/AVP 0 101',
  'a=rtpmap:0 PCMU/8000',
  'a=rtpmap:101 telephone-event/8000',
  'a=fmtp:101 0-15',
])}
  <pause milliseconds="1000" />
${keyDigit}
  <recv request="BYE" timeout="60000" />
  <send>
    <![CDATA[
      SIP/2.0 200 OK
      [last_Via:]
      [last_From:]
      [last_To:]
      [last_Call-ID:]
      [last_CSeq:]
      Content-Length: 0

    ]]>
  </send>
  <pause milliseconds="500" />
${keyDigit}
  <pause milliseconds="1500" />
  <send retrans="500">
    <![CDATA[${dtmfInfo('[$contact]', '<sip:room@[local_ip]:[local_port]>;tag=[pid]SIPpTag01[call_number]', '[$caller]', '[call_id]')}
    ]]>
  </send>
  <recv response="481" />
</scenario>
`;

/** A site's phone sending its DTMF by INFO with no call at all. */
const STRAY_XML = `<?xml version="1.0" encoding="ISO-8859-1" ?>
<scenario name="DTMF INFO outside any dialog">
  <send retrans="500">
    <![CDATA[${dtmfInfo('sip:bridge@[remote_ip]:[remote_port]', '<sip:room@[local_ip]:[local_port]>;tag=[pid]stray', '<sip:bridge@[remote_ip]:[remote_port]>', '[call_id]')}
    ]]>
  </send>
  <recv response="481" />
</scenario>
`;

const lines: { msg: string; [k: string]: unknown }[] = [];
let bridge: Bridge;
let room: Proc;
let dir: string;
let confId: string;
/** What sipp wrote to its error trace (-trace_err), for a failure message. */
const sippErrors = (): string =>
  readdirSync(dir)
    .filter((f) => f.endsWith('_errors.log'))
    .map((f) => readFileSync(join(dir, f), 'utf8'))
    .join('\n')
    .slice(-3000);
const show = (): ConferenceView => bridge.manager.show(confId);
const handEvents = (): string[] =>
  bridge.notifications
    .filter((n) => n.method === 'conference.event')
    .map((n) => (n.params as { message: string }).message)
    .filter((m) => m.startsWith('hand raised'));

beforeAll(async () => {
  dir = tempDir('sipp-dtmf-outside');
  writeFileSync(join(dir, 'room.xml'), ROOM_XML);
  writeFileSync(join(dir, 'stray.xml'), STRAY_XML);
  const sipPort = await freePortRun(2);
  room = startProc(
    'sipp',
    ['-sf', join(dir, 'room.xml'), '-i', '127.0.0.1', '-p', String(sipPort), '-mp', String(sipPort + 1)].concat([
      '-t',
      'u1',
      '-m',
      '1',
      '-nostdin',
      '-trace_err',
    ]),
    { name: 'sipp-room', cwd: dir },
  );
  const stream = new Writable({
    write(chunk, _enc, cb) {
      for (const l of String(chunk).split('\n')) if (l) lines.push(JSON.parse(l) as { msg: string });
      cb();
    },
  });
  bridge = await startBridge({
    log: pino({ level: 'debug' }, stream),
    rtpTimeoutMs: 600_000, // the room sends no audio of its own
    endpoints: [
      {
        id: 'room',
        name: { zh: '硬件会议室', en: 'Room' },
        kind: 'town',
        uri: `sip:room@127.0.0.1:${sipPort}`,
        groups: ['towns'],
        codecs: { audio: ['PCMU'], video: [] },
        // one digit: what sipp's own RFC 4733 capture can key
        raiseHand: '1',
      },
    ],
  });
  const r = await bridgeCli(bridge, [
    'conf',
    'start',
    '--title',
    'DTMF 测试',
    '--group',
    'towns',
    '--wait',
    '10',
    '--json',
  ]);
  expect(r.code, r.stderr).toBe(0);
  confId = (JSON.parse(r.stdout) as ConferenceView).id;
}, 120_000);

afterAll(async () => {
  await bridge?.close();
  await room?.stop();
  if (dir) removeDir(dir);
}, 30_000);

describe('DTMF from a room that is not in a meeting', () => {
  it('in the meeting its RFC 4733 digit raises its hand; hung up, neither RFC 4733 nor INFO in its ended dialog does (481)', async () => {
    await until('the room raised its hand while in the meeting', () => (show().hands ?? []).length === 1, 30_000).catch(
      (e: Error) => {
        throw new Error(`${e.message}: ${JSON.stringify(show().participants)}\nsipp: ${room.output().slice(-3000)}`);
      },
    );
    expect(handEvents()).toEqual(['hand raised: room (DTMF 1 by RFC 4733)']);
    expect((await bridgeCli(bridge, ['conf', 'hands', confId, '--clear'])).code).toBe(0);
    expect((await bridgeCli(bridge, ['conf', 'hangup', confId, 'room'])).code).toBe(0);

    // sipp exits 0 only when every step passed: the BYE came, and the INFO in the ended dialog got 481
    const code = await room.exited;
    expect(code, sippErrors()).toBe(0);
    expect(show().hands).toEqual([]);
    expect(handEvents()).toHaveLength(1);
    expect(show().participants.find((p) => p.endpointId === 'room')?.state).toBe('hungup');
    const said = lines.find((l) => l.msg.startsWith('DTMF by SIP INFO outside any call'));
    expect(said).toMatchObject({ method: 'INFO', dtmf: '1', transport: 'udp' });
    expect(said!.source).toMatch(/^127\.0\.0\.1:\d+$/);
    expect(String(said!.callId)).not.toBe('');
  }, 90_000);

  it('a DTMF INFO with no call at all is answered 481; nothing crashes and nobody gets a hand', async () => {
    const before = lines.filter((l) => l.msg.startsWith('DTMF by SIP INFO outside any call')).length;
    const r = await runSipp({ port: bridge.sipPort, scenario: join(dir, 'stray.xml'), rate: 1, count: 1 });
    expect(r.successful, r.output.slice(-2000)).toBe(1);
    expect(r.failed).toBe(0);
    expect(lines.filter((l) => l.msg.startsWith('DTMF by SIP INFO outside any call'))).toHaveLength(before + 1);
    expect(show().hands).toEqual([]);
    expect(show().state).toBe('active');
    expect((await optionsPing(`sip:bridge@127.0.0.1:${bridge.sipPort}`)).ok).toBe(true);
  }, 60_000);
});
