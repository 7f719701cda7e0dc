// The set-up the conference tests with real peers share: one baresip room system per site (its
// tone, codec and colour; the site `zhengzhou` is the upstream MCU, a baresip named "mcu"), kamailio
// as the upstream's registrar with digest auth in front of it, and an in-process bridge that lists
// them all (the upstream dialled through kamailio, every other site a town of group `towns`).
import { BaresipRoom } from '../peers/baresipRoom.js';
import { KamailioUpstream } from '../peers/kamailioUpstream.js';
import { startBridge, type Bridge } from './conferenceBridge.js';

export const UPSTREAM = 'zhengzhou';

export interface RoomSite {
  id: string;
  toneHz: number;
  codec: string;
  color: string;
  mediaenc?: 'srtp' | 'srtp-mand' | undefined;
}

export interface RoomBridge<Id extends string> {
  rooms: Map<Id, BaresipRoom>;
  room(id: Id): BaresipRoom;
  kam: KamailioUpstream;
  bridge: Bridge;
  /** Bridge, rooms, then kamailio: whatever was started. */
  close(): Promise<void>;
}

export async function startRoomBridge<S extends RoomSite>(
  sites: readonly S[],
  o: {
    rtpTimeoutMs: number;
    /** More fields of the upstream's endpoint (pin, srtp …). */
    upstream?: Record<string, unknown>;
    /** Runs once the rooms and kamailio are up, before the bridge starts (e.g. watch a room's events). */
    beforeBridge?: (r: Pick<RoomBridge<S['id']>, 'room' | 'kam'>) => void;
  },
): Promise<RoomBridge<S['id']>> {
  const rooms = new Map<S['id'], BaresipRoom>();
  const room = (id: S['id']): BaresipRoom => rooms.get(id)!;
  let kam: KamailioUpstream | undefined;
  let bridge: Bridge | undefined;
  const close = async (): Promise<void> => {
    await bridge?.close();
    await Promise.all([...rooms.values()].map((r) => r.stop()));
    await kam?.stop();
  };
  try {
    for (const s of sites) {
      rooms.set(
        s.id,
        await BaresipRoom.start({
          name: s.id === UPSTREAM ? 'mcu' : s.id,
          toneHz: s.toneHz,
          video: 'H264',
          color: s.color,
          audioCodecs: [s.codec],
          ...(s.mediaenc ? { mediaenc: s.mediaenc } : {}),
        }),
      );
    }
    const upstream = sites.find((s) => s.id === UPSTREAM);
    if (!upstream) throw new Error(`startRoomBridge needs a site "${UPSTREAM}" (the upstream MCU)`);
    // kamailio hands every authenticated INVITE to the MCU: it stands for Zhengzhou's front door
    kam = await KamailioUpstream.start({ password: 'gongyi-secret', mcu: room(upstream.id).uri });
    o.beforeBridge?.({ room, kam });
    bridge = await startBridge({
      rtpTimeoutMs: o.rtpTimeoutMs,
      endpoints: [
        {
          id: UPSTREAM,
          name: { zh: '郑州市政府', en: 'Zhengzhou' },
          kind: 'upstream',
          uri: `sip:gongyi@127.0.0.1:${kam.port}`,
          register: { expires: 120 },
          credentials: { username: 'gongyi', password: 'gongyi-secret' },
          codecs: { audio: [upstream.codec], video: ['H264'] },
          ...o.upstream,
        },
        ...sites
          .filter((s) => s.id !== UPSTREAM)
          .map((s) => ({
            id: s.id,
            name: { zh: s.id, en: s.id },
            kind: 'town',
            uri: room(s.id).uri,
            groups: ['towns'],
            codecs: { audio: [s.codec], video: ['H264'] },
          })),
      ],
    });
  } catch (err) {
    await close();
    throw err;
  }
  return { rooms, room, kam, bridge, close };
}
