// The floor decision's input the unit tests start from: broadcast, chair city, upstream zz, nobody
// speaking or chosen, everyone present able to view everyone; `o` changes what a test is about.
import type { FloorInput } from '../../daemon/conference/FloorControl.js';

export const floorInput = (o: Partial<FloorInput> = {}): FloorInput => ({
  mode: 'broadcast',
  chair: 'city',
  upstream: 'zz',
  floor: null,
  speaker: null,
  previousSpeaker: null,
  selections: new Map(),
  overrides: new Map(),
  present: ['zz', 'city', 'a', 'b', 'c'],
  canView: () => true,
  ...o,
});
