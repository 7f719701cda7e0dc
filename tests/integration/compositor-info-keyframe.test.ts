// A room without RTCP feedback asks for a picture refresh the hardware way: SIP INFO
// picture_fast_update (application/media_control+xml, RFC 5168) in the dialog. The peer is a real sipp
// (a UAS scenario: answers the bridge's INVITE with H.264 video, then sends the INFOs); its video port
// is this test's socket, so what the room receives is parsed here. Each INFO must make the compositor's
// encoder of that room's picture produce a keyframe (counted by the encoder: a forced key unit), which
// reaches the room as an IDR; a burst of INFOs is rate-limited.
import dgram from 'node:dgram';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bridgeCli, startBridge, type Bridge } from '../helpers/conferenceBridge.js';
import { freePortRun, removeDir, startProc, tempDir, type Proc } from '../peers/proc.js';
import { until } from '../helpers/wait.js';
import { answerInvite } from '../peers/sipp.js';
import { isIdr } from '../peers/h264Rtp.js';
import type { Compositor } from '../../daemon/media/compositor/Compositor.js';
import type { ConferenceView } from '../../protocol/index.js';

const SPACED = 3;
const BURST = 8;
/** sipp's wait between its answer and the first INFO: the layout must be composed by then (over 8 s at load 17). */
const LEAD_MS = 25_000;

const INFO = (cseq: number): string => `
  <send retrans="500">
    <![CDATA[
      INFO [$contact] SIP/2.0
      Via: SIP/2.0/[transport] [local_ip]:[local_port];branch=[branch]
      From: <sip:room@[local_ip]:[local_port]>;tag=[pid]SIPpTag01[call_number]
      To: [$caller]
      Call-ID: [call_id]
      CSeq: ${cseq} INFO
      Max-Forwards: 70
      Content-Type: application/media_control+xml
      Content-Length: [len]

      <?xml version="1.0" encoding="utf-8" ?>
      <media_control><vc_primitive><to_encoder><picture_fast_update/></to_encoder></vc_primitive></media_control>
    ]]>
  </send>
  <recv response="200" />`;

/** A room (UAS) that answers with H.264 video towards VIDEO_PORT, then asks for keyframes by INFO. */
function scenario(videoPort: number): string {
  const spaced = Array.from({ length: SPACED }, (_, i) => `${INFO(i + 1)}\n  <pause milliseconds="1500" />`);
  const burst = Array.from({ length: BURST }, (_, i) => INFO(SPACED + i + 1));
  return `<?xml version="1.0" encoding="ISO-8859-1" ?>
<scenario name="room sending picture_fast_update">
${answerInvite(
  [
    'v=0',
    'o=room 1 1 IN IP4 127.0.0.1',
    's=room',
    'c=IN IP4 127.0.0.1',
    't=0 0',
    `m=audio ${videoPort + 2} RTP/AVP 8`,
    'a=rtpmap:8 PCMA/8000',
    `m=video ${videoPort} RTP/AVP [$pt]`,
    'a=rtpmap:[$pt] H264/90000',
    'a=fmtp:[$pt] [$fmtp]',
  ],
  [
    { regexp: 'a=rtpmap:([0-9]+) H264/90000', name: 'pt' },
    { regexp: 'a=fmtp:[0-9]+ ([^\\r\\n]*packetization-mode[^\\r\\n]*)', name: 'fmtp' },
  ],
)}
  <pause milliseconds="${LEAD_MS}" />
${spaced.join('\n')}
  <pause milliseconds="6000" />
${burst.join('\n')}
  <pause milliseconds="300000" />
</scenario>
`;
}

let bridge: Bridge;
let sipp: Proc;
let dir: string;
let video: dgram.Socket;
let confId: string;
/** Arrival order of what the room saw: 'idr' for an IDR picture, 'info' when an INFO reached the bridge. */
const timeline: string[] = [];
/** The compositor's forced-keyframe count of the room's canvas when each INFO arrived (asked at once). */
const atInfo: Promise<number>[] = [];

const cli = (args: string[]): ReturnType<typeof bridgeCli> => bridgeCli(bridge, args);

const show = (): ConferenceView => bridge.manager.show(confId);
const compositor = (): Compositor | undefined => bridge.manager.get(confId).media.pictures.compositor;
const canvasOfRoom = (): string | undefined => show().multiview?.pictures['room']?.canvas;

async function forced(): Promise<number> {
  const c = canvasOfRoom();
  const s = c ? await compositor()?.stats() : undefined;
  return c ? (s?.canvases[c]?.forcedKeyframes ?? 0) : 0;
}

beforeAll(async () => {
  video = dgram.createSocket('udp4');
  video.on('message', (m) => {
    if (isIdr(m)) timeline.push('idr');
  });
  const port = await freePortRun(3);
  await new Promise<void>((r) => video.bind(port, '127.0.0.1', r));
  dir = tempDir('sipp-info');
  writeFileSync(join(dir, 'room.xml'), scenario(port));
  const sipPort = await freePortRun(2);
  sipp = startProc(
    'sipp',
    [
      '-sf',
      join(dir, 'room.xml'),
      '-i',
      '127.0.0.1',
      '-p',
      String(sipPort),
      '-mp',
      String(sipPort + 1),
      '-t',
      'u1',
      '-m',
      '1',
      '-nostdin',
    ],
    { name: 'sipp-room', cwd: dir },
  );
  bridge = await startBridge({
    rtpTimeoutMs: 600_000, // the room sends no media of its own
    endpoints: [
      {
        id: 'room',
        name: { zh: '硬件会议室', en: 'Room' },
        kind: 'town',
        uri: `sip:room@127.0.0.1:${sipPort}`,
        groups: ['towns'],
        codecs: { audio: ['PCMA'], video: ['H264'] },
      },
    ],
  });
  bridge.stack.on('message', (m) => {
    if (m.direction !== 'in' || m.method !== 'INFO' || m.status !== undefined) return;
    timeline.push('info');
    // asked before the INFO is handled: the count before this INFO's keyframe
    atInfo.push(forced());
  });
  const r = await cli(['conf', 'start', '--title', 'INFO 测试', '--group', 'towns', '--wait', '10', '--json']);
  expect(r.code, r.stderr).toBe(0);
  confId = (JSON.parse(r.stdout) as ConferenceView).id;
  await until('the room connected', () => show().participants[0]?.state === 'connected', 60_000, 200).catch(
    (e: Error) => {
      throw new Error(`${e.message}: ${JSON.stringify(show().participants)}\nsipp: ${sipp.output().slice(-3000)}`);
    },
  );
  const l = await cli(['conf', 'layout', confId, '2x2']);
  expect(l.code, l.stderr).toBe(0);
}, 120_000);

afterAll(async () => {
  await bridge?.close();
  await sipp?.stop();
  video?.close();
  if (dir) removeDir(dir);
}, 30_000);

describe('SIP INFO picture_fast_update from a real peer (sipp)', () => {
  it('each INFO makes the room’s picture encoder send a keyframe; a burst is rate-limited', async () => {
    await until('the composed picture reaches the room', () => timeline.includes('idr'), 60_000, 200);
    await until(
      `all ${SPACED + BURST} INFOs received`,
      () => timeline.filter((e) => e === 'info').length >= SPACED + BURST,
      150_000,
      200,
    );
    expect(
      timeline.indexOf('idr'),
      `the composed picture reached the room before the first INFO (sipp waits ${LEAD_MS} ms)`,
    ).toBeLessThan(timeline.indexOf('info'));
    const counts = await Promise.all(atInfo);
    // every spaced INFO (1.5 s apart, the limit is one per 500 ms) forced a keyframe: by the burst (6 s
    // after the last of them) the encoder counts one more per INFO. Not sampled between two INFOs: a
    // busy machine may answer one after the next has come.
    expect(counts[SPACED]! - counts[0]!, `forced keyframes for the ${SPACED} spaced INFOs`).toBeGreaterThanOrEqual(
      SPACED,
    );
    // and the room received IDRs after them, before the burst, and after the burst
    const infos = timeline.flatMap((e, i) => (e === 'info' ? [i] : []));
    expect(timeline.slice(infos[0]! + 1, infos[SPACED]).includes('idr'), 'an IDR after the spaced INFOs').toBe(true);
    // the burst: keyframes at most one per 500 ms, one more at its end; never one per INFO
    await until('the burst’s keyframe', async () => (await forced()) > counts[SPACED]!, 30_000, 200);
    await until('an IDR after the burst', () => timeline.slice(infos.at(-1)! + 1).includes('idr'), 30_000, 200);
    const burst = (await forced()) - counts[SPACED]!;
    expect(burst).toBeGreaterThanOrEqual(1);
    expect(burst).toBeLessThan(BURST);
  }, 240_000);
});
