// Encrypted rooms with real peers: a baresip with SRTP mandatory (RTP/SAVP), one with SRTP best
// effort (a=crypto on RTP/AVP), a plain one, and the upstream MCU (a baresip with SRTP mandatory)
// behind kamailio, in one conference. Each hears the others' tones and decodes video, the encrypted
// legs are marked as such (conf show, call records), and a burst of forged packets at every relay
// port is dropped and counted per leg while the meeting carries on.
import dgram from 'node:dgram';
import { execFileSync } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { BaresipRoom } from '../peers/baresipRoom.js';
import type { Bridge } from '../helpers/conferenceBridge.js';
import { startRoomBridge, type RoomBridge } from '../helpers/roomBridge.js';
import { listenTones } from '../helpers/roomTones.js';
import { sleep, until } from '../helpers/wait.js';
import { srtpEvents } from '../../daemon/media/srtp/SrtpGuard.js';
import { renderConference } from '../../cli/confRender.js';
import type { ConferenceView } from '../../protocol/index.js';

const SITES = [
  { id: 'mand', toneHz: 440, codec: 'PCMA', color: 'red', mediaenc: 'srtp-mand' },
  { id: 'best', toneHz: 660, codec: 'PCMU', color: 'lime', mediaenc: 'srtp' },
  { id: 'plain', toneHz: 880, codec: 'PCMA', color: 'blue', mediaenc: undefined },
  { id: 'zhengzhou', toneHz: 1100, codec: 'PCMA', color: 'white', mediaenc: 'srtp-mand' },
] as const;
type SiteId = (typeof SITES)[number]['id'];
const TONES = SITES.map((s) => s.toneHz);
const HEARD = -35;
const SILENT = -50;
const ENCRYPTED: SiteId[] = ['mand', 'best', 'zhengzhou'];

let env: RoomBridge<SiteId> | undefined;
let rooms = new Map<SiteId, BaresipRoom>();
let bridge: Bridge;
let conf: ConferenceView;
const room = (id: SiteId): BaresipRoom => rooms.get(id)!;
const authFailures = new Map<string, number>();
const onAuthFailure = (e: { legId: string }): void =>
  void authFailures.set(e.legId, (authFailures.get(e.legId) ?? 0) + 1);

const listen = (): Promise<Record<SiteId, Record<number, number>>> => listenTones(rooms, TONES);

function expectEveryoneHearsTheOthers(l: Record<SiteId, Record<number, number>>): void {
  for (const s of SITES) {
    for (const hz of TONES) {
      if (hz === s.toneHz) expect(l[s.id][hz], `${s.id} must not hear its own ${hz} Hz`).toBeLessThan(SILENT);
      else expect(l[s.id][hz], `${s.id} hears ${hz} Hz`).toBeGreaterThan(HEARD);
    }
  }
}

/** The UDP ports this process holds in the bridge's relay range: every SIP leg's room-facing sockets. */
function relayPorts(): number[] {
  const { min, max } = bridge.config.media.relayPorts;
  const out = execFileSync('ss', ['-Hunap'], { encoding: 'utf8' });
  const ports = new Set<number>();
  for (const line of out.split('\n')) {
    if (!line.includes(`pid=${process.pid},`)) continue;
    const m = /127\.0\.0\.1:(\d+)\s/.exec(line);
    const port = m ? Number(m[1]) : 0;
    if (port >= min && port <= max) ports.add(port);
  }
  return [...ports];
}

beforeAll(async () => {
  srtpEvents.on('authFailure', onAuthFailure);
  env = await startRoomBridge(SITES, { rtpTimeoutMs: 5000, upstream: { srtp: 'required' } });
  ({ rooms, bridge } = env);
}, 60_000);

afterAll(async () => {
  srtpEvents.off('authFailure', onAuthFailure);
  await env?.close();
}, 30_000);

describe('SDES-SRTP rooms, a plain room and an encrypted upstream in one conference', () => {
  it('every site connects; the encrypted legs say so in conf show and the plain one does not', async () => {
    conf = await bridge.manager.start({
      title: 'encrypted',
      endpoints: SITES.map((s) => s.id),
      upstream: 'zhengzhou',
      mode: 'voice',
    });
    await until(
      'every site connected',
      () => bridge.manager.show(conf.id).participants.every((p) => p.state === 'connected'),
      20_000,
    );
    const view = bridge.manager.show(conf.id);
    const srtpOf = (id: SiteId): string | undefined => view.participants.find((p) => p.endpointId === id)?.srtp;
    for (const id of ENCRYPTED)
      expect(srtpOf(id), `${id} encrypted`).toMatch(/^(AES_CM_128_HMAC_SHA1_(80|32)|AEAD_AES_128_GCM)$/);
    expect(srtpOf('plain')).toBeUndefined();
    const text = renderConference(view, 'en');
    // each site's own row (its id first): another column may name the plain site as what a row sees
    for (const id of ENCRYPTED) expect(text).toMatch(new RegExp(`^${id}\\s.*🔒`, 'm'));
    expect(text).not.toMatch(/^plain\s.*🔒/m);
  }, 40_000);

  it("each room hears every other room's tone (through decryption and re-encryption) and not its own", async () => {
    await sleep(1500);
    expectEveryoneHearsTheOthers(await listen());
  }, 20_000);

  it('each room receives and decodes video', async () => {
    const before = await Promise.all(SITES.map((s) => room(s.id).framesDecoded()));
    // a busy machine decodes slowly: wait for the frames rather than for a fixed time
    let after: number[] = [];
    await until(
      'every room decoded more than 10 new frames',
      async () => {
        after = await Promise.all(SITES.map((s) => room(s.id).framesDecoded()));
        return SITES.every((_, i) => after[i]! - before[i]! > 10);
      },
      30_000,
    );
    SITES.forEach((s, i) => expect(after[i]! - before[i]!, `${s.id} decoded frames`).toBeGreaterThan(10));
  }, 40_000);

  it('a burst of forged SRTP toward every relay port is dropped and counted per leg; the meeting carries on', async () => {
    const ports = relayPorts();
    expect(ports.length).toBe(SITES.length * 4); // audio and video, RTP and RTCP, per leg
    const before = new Map(authFailures);
    const sock = dgram.createSocket('udp4');
    const PER_PORT = 200;
    try {
      for (let i = 0; i < PER_PORT; i++) {
        for (const port of ports) {
          // a well-formed RTP header (PCMA, then an H.264-ish PT) with random payload and tag
          const pkt = Buffer.alloc(60 + (i % 40));
          pkt[0] = 0x80;
          pkt[1] = i % 2 ? 8 : 96;
          pkt.writeUInt16BE(i, 2);
          pkt.writeUInt32BE(i * 160, 4);
          pkt.writeUInt32BE(0x1234_0000 + (i % 7), 8);
          for (let b = 12; b < pkt.length; b++) pkt[b] = (b * 31 + i) & 0xff;
          sock.send(pkt, port, '127.0.0.1');
        }
        if (i % 20 === 19) await sleep(5);
      }
    } finally {
      await sleep(500);
      sock.close();
    }
    const added = (id: string): number => (authFailures.get(id) ?? 0) - (before.get(id) ?? 0);
    // each encrypted leg got PER_PORT forged packets on each of its two RTP ports (the RTCP ports'
    // share fails too, unless too short to be SRTCP); the plain leg never authenticates anything
    for (const id of ENCRYPTED) {
      expect(added(id), `${id} auth failures`).toBeGreaterThanOrEqual(2 * PER_PORT);
      expect(added(id), `${id} auth failures`).toBeLessThanOrEqual(4 * PER_PORT);
    }
    expect(added('plain')).toBe(0);
    // still one meeting, every leg still connected, everyone still hears everyone
    expect(bridge.manager.show(conf.id).participants.every((p) => p.state === 'connected')).toBe(true);
    await sleep(500);
    expectEveryoneHearsTheOthers(await listen());
  }, 30_000);

  it('the call records say which legs were encrypted', async () => {
    await bridge.manager.end(conf.id, 'done');
    const rows = bridge.manager.listCdr({ conferenceId: conf.id });
    for (const s of SITES) {
      const r = rows.find((x) => x.endpointId === s.id && x.answeredAt !== null);
      expect(r, `${s.id} answered`).toBeDefined();
      if (ENCRYPTED.includes(s.id)) expect(r!.srtp, `${s.id} cdr`).toMatch(/AES|GCM/);
      else expect(r!.srtp).toBeNull();
    }
  }, 20_000);
});
