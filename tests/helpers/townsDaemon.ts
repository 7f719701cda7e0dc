// The set-up the recording and live tests share: real baresip towns (each its own tone and colour,
// H.264, PCMA) listed as sites of group `towns` of the built daemon (`node scripts/build.mjs` first),
// and the CLI run against it (plain or --json).
import { BaresipRoom } from '../peers/baresipRoom.js';
import { runCli, startDaemon, testConfig, type RunningDaemon } from './daemon.js';
import { freePort } from './ports.js';
import { until } from './wait.js';
import type { ConferenceView } from '../../protocol/index.js';

export interface Town {
  id: string;
  color: string;
  tone: number;
}

/** Two towns, red with 440 Hz and lime with 1 kHz: what most recording and live tests need. */
export const TWO_TOWNS: readonly Town[] = [
  { id: 'mihe', color: 'red', tone: 440 },
  { id: 'xiaoguan', color: 'lime', tone: 1000 },
];

export interface TownsDaemon {
  d: RunningDaemon;
  rooms: Map<string, BaresipRoom>;
  /** The CLI against the daemon as operator (the current `d`, also after a restart). */
  cli(args: string[]): Promise<{ code: number; stdout: string; stderr: string }>;
  /** The CLI with --json, parsed; throws with what it printed when it fails. */
  json<T>(args: string[]): Promise<T>;
  /** `conf start` of the towns (extra args, e.g. --mode voice) and wait until every town is connected. */
  startMeeting(extra?: string[]): Promise<string>;
  /** The daemon (SIGKILL) and the rooms. */
  stop(): Promise<void>;
}

/** The towns' endpoint entries for a site config. */
export function townEndpoints(
  towns: readonly Town[],
  rooms: ReadonlyMap<string, BaresipRoom>,
): Record<string, unknown>[] {
  return towns.map((s) => ({
    id: s.id,
    name: { zh: s.id, en: s.id },
    kind: 'town',
    uri: rooms.get(s.id)!.uri,
    groups: ['towns'],
    codecs: { audio: ['PCMA'], video: ['H264'] },
  }));
}

export async function startTownRooms(towns: readonly Town[]): Promise<Map<string, BaresipRoom>> {
  const rooms = new Map<string, BaresipRoom>();
  try {
    for (const s of towns)
      rooms.set(
        s.id,
        await BaresipRoom.start({
          name: s.id,
          toneHz: s.tone,
          video: 'H264',
          color: s.color,
          audioCodecs: ['PCMA'],
          toneSeconds: 600,
        }),
      );
  } catch (e) {
    await Promise.all([...rooms.values()].map((r) => r.stop()));
    throw e;
  }
  return rooms;
}

/** The towns' rooms and a daemon that lists them; `config` adds top-level keys to the site config. */
export async function startTownsDaemon(
  towns: readonly Town[],
  config: Record<string, unknown> = {},
): Promise<TownsDaemon> {
  const rooms = await startTownRooms(towns);
  let d: RunningDaemon;
  try {
    d = await startDaemon({
      config: testConfig(await freePort(), await freePort(), { endpoints: townEndpoints(towns, rooms), ...config }),
    });
  } catch (e) {
    await Promise.all([...rooms.values()].map((r) => r.stop()));
    throw e;
  }
  const t: TownsDaemon = {
    d,
    rooms,
    cli: (args) => runCli(t.d.url, args),
    async json<T>(args: string[]): Promise<T> {
      const r = await t.cli([...args, '--json']);
      if (r.code !== 0) throw new Error(`${args.join(' ')} exited ${r.code}: ${r.stderr}${r.stdout}`);
      return JSON.parse(r.stdout) as T;
    },
    async startMeeting(extra = []) {
      const c = await t.json<ConferenceView>(['conf', 'start', '--title', '防汛会商', '--group', 'towns', ...extra]);
      await until(
        'every town connected',
        async () =>
          (await t.json<ConferenceView>(['conf', 'show', c.id])).participants.filter((p) => p.state === 'connected')
            .length === towns.length,
        60_000,
        500,
      );
      return c.id;
    },
    async stop() {
      await t.d.stop('SIGKILL');
      await Promise.all([...rooms.values()].map((r) => r.stop()));
    },
  };
  return t;
}
