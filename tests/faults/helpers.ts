// Shared bits of the fault-injection suite: listening to what a baresip room hears, and
// talking to the built daemon.
import { readFileSync, readdirSync, readlinkSync } from 'node:fs';
import { BaresipRoom } from '../peers/baresipRoom.js';
import { toneDb } from '../helpers/simRoom.js';
import { rawConnect, TOKENS, type RunningDaemon } from '../helpers/daemon.js';
import { sleep } from '../helpers/wait.js';

export type Reply = { result?: any; error?: { message: string; data?: { code: string } } };
export const HEARD_DB = -35;

/** Level (dB) of a tone in what the room received over the last `ms`. */
export async function toneLevel(room: BaresipRoom, hz: number, ms = 700): Promise<number> {
  const mark = room.mark();
  await sleep(ms);
  const { pcm, rate } = room.audioSince(mark);
  return toneDb(pcm.subarray(Math.max(0, pcm.length - Math.round((rate * (ms - 200)) / 1000))), rate, hz);
}

/** One JSON-RPC call as the operator on a short-lived connection. */
export async function call(
  d: RunningDaemon,
  method: string,
  params?: unknown,
  token: string = TOKENS.operator,
): Promise<Reply> {
  const c = await rawConnect(d.url, token);
  try {
    return (await c.call(method, params)) as Reply;
  } finally {
    c.close();
  }
}

export async function participantStates(d: RunningDaemon, conferenceId: string): Promise<Record<string, string>> {
  const r = await call(d, 'conference.show', { id: conferenceId });
  if (!r.result) return {};
  return Object.fromEntries(
    (r.result.participants as { endpointId: string; state: string }[]).map((p) => [p.endpointId, p.state]),
  );
}

export async function allConnected(d: RunningDaemon, conferenceId: string): Promise<boolean> {
  const s = Object.values(await participantStates(d, conferenceId).catch(() => ({})));
  return s.length > 0 && s.every((x) => x === 'connected');
}

/** Open file descriptors of a process (Linux /proc). */
export function openFds(pid: number): number {
  return readdirSync(`/proc/${pid}/fd`).length;
}

/** Pids of a process's direct children whose executable is `name` (e.g. mediasoup-worker). */
export function childPids(pid: number, name: string): number[] {
  const out: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    let stat: string;
    let exe: string;
    try {
      stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      exe = readlinkSync(`/proc/${entry}/exe`);
    } catch {
      continue; // gone while we looked, or not ours to read
    }
    const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
    if (ppid === pid && exe.endsWith(name)) out.push(Number(entry));
  }
  return out;
}
