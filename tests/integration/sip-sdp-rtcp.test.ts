// A room's SDP names the port the bridge sends its RTCP to (a=rtcp, else RTP port + 1). A room that
// answers with a port no socket can send to (a=rtcp:99999) must get its call refused, naming the
// line, and must not make the bridge throw. Before this was checked the call connected with that
// port as the leg's RTCP destination, and dgram.send throws ERR_SOCKET_BAD_PORT synchronously for it
// (in the relay's timer or socket handler; in this set-up no throw was seen on the test's own thread
// within 20 s). A real bridge (SIP stack, mediasoup worker, media plane) dials a SIP room built on our
// own stack whose answer carries the bad line, and a room that sends audio and video.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildAnswer, negotiate } from '../../daemon/sip/sdpNegotiate.js';
import type { SipStack } from '../../daemon/sip/SipStack.js';
import { startBridge, type Bridge } from '../helpers/conferenceBridge.js';
import { JunkRoom } from '../helpers/junkRoom.js';
import { startTestStack, uriOf } from '../helpers/sipTestStack.js';
import { sleep, until } from '../helpers/wait.js';

let room: SipStack;
let sender: JunkRoom;
let bridge: Bridge;
let answered = 0;
let byes = 0;
const uncaught: unknown[] = [];
const onUncaught = (e: unknown): void => void uncaught.push(e);

beforeAll(async () => {
  process.on('uncaughtException', onUncaught);
  room = await startTestStack({ userAgent: 'bad-rtcp-room' });
  room.on('invite', (inc) => {
    const neg = negotiate(inc.offer!, { audio: { codecs: ['PCMA'] }, video: { codecs: ['H264'] }, srtp: 'off' });
    const { sdp } = buildAnswer(neg, {
      address: '127.0.0.1',
      audio: { port: 31000 },
      video: { port: 31002 },
    });
    answered++;
    // every media section names the RTCP port 99999 (RFC 3605 a=rtcp)
    const bad = sdp
      .split(/(?=^m=)/m)
      .map((part, k) => (k === 0 ? part : `${part.replace(/\r\n$/, '')}\r\na=rtcp:99999\r\n`))
      .join('');
    void inc.accept(bad).then(
      (call) => call.on('ended', () => byes++),
      () => undefined,
    );
  });
  sender = await JunkRoom.start();
  bridge = await startBridge({
    endpoints: [
      {
        id: 'sender',
        name: { zh: '发送镇', en: 'Sender' },
        kind: 'town',
        uri: sender.uri,
        codecs: { audio: ['PCMA'], video: ['H264'] },
      },
      {
        id: 'badrtcp',
        name: { zh: '坏端口镇', en: 'Bad RTCP' },
        kind: 'town',
        uri: uriOf(room, 'udp', 'room'),
        codecs: { audio: ['PCMA'], video: ['H264'] },
      },
    ],
  });
}, 30_000);

afterAll(async () => {
  await bridge?.close();
  await room?.close();
  await sender?.stop();
  process.off('uncaughtException', onUncaught);
});

describe('a room whose SDP answer names an RTCP port out of range', () => {
  it('gets its call hung up with the reason naming a=rtcp, and nothing throws', async () => {
    const conf = await bridge.manager.start({ title: '端口测试', endpoints: ['sender', 'badrtcp'] }, 'test');
    const leg = () => bridge.manager.show(conf.id).participants.find((p) => p.endpointId === 'badrtcp');
    await until('the room answered', () => answered > 0, 20_000);
    let last = '';
    await until(
      'the leg refused with a reason naming a=rtcp',
      () => /a=rtcp/.test((last = `${leg()?.state} ${leg()?.reason ?? ''}`)),
      20_000,
    ).catch((err: Error) => {
      throw new Error(`${err.message}: the leg is ${last}; uncaught: ${uncaught.map(String).join('; ')}`);
    });
    await until('the room got a BYE', () => byes > 0, 20_000);
    // a relay's reports go out once a second: give one the chance to be sent (and to throw)
    await sleep(2500);
    expect(uncaught.map(String)).toEqual([]);
    expect(leg()?.state).not.toBe('connected');
    // the meeting goes on for the other room
    const other = bridge.manager.show(conf.id).participants.find((p) => p.endpointId === 'sender');
    expect(other?.state).toBe('connected');
    await bridge.manager.end(conf.id, 'test over');
  }, 60_000);
});
