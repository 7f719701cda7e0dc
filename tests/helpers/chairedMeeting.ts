// How the multi-picture tests open their meeting: `conf start` of group towns with a chair, through
// the real CLI (against a test bridge or the built daemon), then a wait until the rooms are connected.
import type { ConferenceView } from '../../protocol/index.js';
import { until } from './wait.js';

export type CliRun = (args: string[]) => Promise<{ code: number; stdout: string; stderr: string }>;

/**
 * Start the towns' meeting chaired by `chair` and wait (`ms`) until `connected` participants are
 * connected; the conference's id. `show` reads the meeting (in-process or through the CLI). Throws with
 * what the CLI printed when it fails, and with every participant's state when the rooms do not connect.
 */
export async function startChairedMeeting(o: {
  cli: CliRun;
  chair: string;
  connected: number;
  show: (id: string) => ConferenceView | Promise<ConferenceView>;
  ms?: number;
}): Promise<string> {
  const r = await o.cli([
    'conf',
    'start',
    '--title',
    '防汛会商',
    '--group',
    'towns',
    '--chair',
    o.chair,
    '--wait',
    '10',
    '--json',
  ]);
  if (r.code !== 0) throw new Error(`conf start exited ${r.code}: ${r.stdout}${r.stderr}`);
  const id = (JSON.parse(r.stdout) as ConferenceView).id;
  let last: ConferenceView | undefined;
  try {
    await until(
      `${o.connected} participants connected`,
      async () => {
        last = await o.show(id);
        return last.participants.filter((p) => p.state === 'connected').length >= o.connected;
      },
      o.ms ?? 60_000,
      250,
    );
  } catch (e) {
    const states = last?.participants.map((p) => `${p.endpointId}=${p.state}`).join(', ');
    throw new Error(`${(e as Error).message} (${states ?? 'no answer'})`);
  }
  return id;
}
