// The sites of the real-peer multi-picture tests (baresip rooms through startBridge) and the solid
// colour each sends. A site has the same colour in every test and the colours within one test are
// distinct, so the colour of a decoded pane names its site (picture.ts colourName tells these six
// apart). huiguo is the VP8 room; cif is the room kamailio holds to level 2.0 (yellow like xinzhong:
// no test has both).
import { BaresipRoom, type BaresipRoomOptions } from '../peers/baresipRoom.js';

const TOWN = {
  city: { color: 'magenta', video: 'H264' },
  mihe: { color: 'red', video: 'H264' },
  xiaoguan: { color: 'lime', video: 'H264' },
  zhulin: { color: 'blue', video: 'H264' },
  xinzhong: { color: 'yellow', video: 'H264' },
  huiguo: { color: 'cyan', video: 'VP8' },
  cif: { color: 'yellow', video: 'H264' },
} as const;

export type TownId = keyof typeof TOWN;

export interface ColourTown<Id extends TownId = TownId> {
  id: Id;
  color: string;
  video: 'H264' | 'VP8';
}

/** The towns with these ids, in this order. */
export function colourTowns<const Ids extends readonly TownId[]>(ids: Ids): ColourTown<Ids[number]>[] {
  return ids.map((id) => ({ id, ...TOWN[id] }));
}

/** Each town's colour by id. */
export function colourOf(towns: readonly ColourTown[]): Record<string, string> {
  return Object.fromEntries(towns.map((t) => [t.id, t.color]));
}

/** A baresip room per town into `rooms` (so afterAll stops those that started when one fails): its
 *  colour and video codec, PCMA with its own tone (400, 500, ... Hz) for 15 minutes; `more` adds
 *  options for a town. */
export async function startColourRooms<Id extends TownId>(
  towns: readonly ColourTown<Id>[],
  rooms: { set(id: Id, room: BaresipRoom): unknown },
  more: (t: ColourTown<Id>) => Partial<BaresipRoomOptions> = () => ({}),
): Promise<void> {
  for (const [i, t] of towns.entries())
    rooms.set(
      t.id,
      await BaresipRoom.start({
        name: t.id,
        toneHz: 400 + 100 * i,
        video: t.video,
        color: t.color,
        audioCodecs: ['PCMA'],
        toneSeconds: 900,
        ...more(t),
      }),
    );
}

/** The bridge's endpoint entry for a town: group towns, PCMA and the town's video codec. */
export function colourEndpoint(t: ColourTown, uri: string): Record<string, unknown> {
  return {
    id: t.id,
    name: { zh: `${t.id}镇`, en: t.id },
    kind: 'town',
    uri,
    groups: ['towns'],
    codecs: { audio: ['PCMA'], video: [t.video] },
  };
}
