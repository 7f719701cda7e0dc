// What baresip rooms hear: each room's recording over the next `ms`, as the level (dB) of every tone
// of the conference (the last part of the window only, so a tone that just started or stopped at
// the edge does not count).
import type { BaresipRoom } from '../peers/baresipRoom.js';
import { toneDb } from './simRoom.js';
import { sleep } from './wait.js';

export async function listenTones<Id extends string>(
  rooms: ReadonlyMap<Id, BaresipRoom>,
  tones: readonly number[],
  ms = 1200,
): Promise<Record<Id, Record<number, number>>> {
  const marks = new Map([...rooms].map(([id, r]) => [id, r.mark()]));
  await sleep(ms);
  const out = {} as Record<Id, Record<number, number>>;
  for (const [id, r] of rooms) {
    const { pcm, rate } = r.audioSince(marks.get(id)!);
    const tail = pcm.subarray(Math.max(0, pcm.length - Math.round((rate * (ms - 300)) / 1000)));
    out[id] = Object.fromEntries(tones.map((hz) => [hz, toneDb(tail, rate, hz)]));
  }
  return out;
}
