// A meeting of baresip rooms with headless Chromium ready to join it from the join page: the rooms,
// a bridge that knows them, the join endpoints, the browser, and the conference with every room
// connected. Shared by the browser e2e tests; close() stops whatever was started, in reverse order,
// also after a start that failed half-way.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BaresipRoom, type BaresipRoomOptions } from '../peers/baresipRoom.js';
import { ChromiumPeer, type ChromiumOptions } from '../peers/chromium.js';
import { startBridge, type Bridge } from './conferenceBridge.js';
import { buildJoinPage, startJoin } from './joinPage.js';
import type { BrowserJoin } from '../../daemon/web/wiring.js';
import type { ConferenceMode, ConferenceView } from '../../protocol/index.js';
import type { Logger } from '../../daemon/util/logger.js';
import { until } from './wait.js';

export interface MeetingRoom {
  /** Endpoint id (and the baresip room's name). */
  id: string;
  /** The room's options besides its name. */
  room: Omit<BaresipRoomOptions, 'name'>;
  codecs: { audio: string[]; video: string[] };
  name?: { zh: string; en: string };
}

export interface BrowserMeeting {
  rooms: Map<string, BaresipRoom>;
  bridge: Bridge;
  web: BrowserJoin;
  chrome: ChromiumPeer;
  conf: ConferenceView;
  close(): Promise<void>;
}

export async function startBrowserMeeting(o: {
  /** Prefix of the temp folder the join page is bundled into. */
  tmpPrefix: string;
  log: Logger;
  rooms: readonly MeetingRoom[];
  chrome: ChromiumOptions;
  conference: { title: string; chair: string; mode: ConferenceMode };
  /** How long the rooms may take to connect. */
  connectMs: number;
  rtpTimeoutMs?: number;
}): Promise<BrowserMeeting> {
  const dir = mkdtempSync(join(tmpdir(), o.tmpPrefix));
  const rooms = new Map<string, BaresipRoom>();
  const m: Partial<BrowserMeeting> = { rooms };
  const close = async (): Promise<void> => {
    await m.chrome?.close();
    m.web?.close();
    await m.bridge?.close();
    await Promise.all([...rooms.values()].map((r) => r.stop()));
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    const pageScript = await buildJoinPage(dir);
    for (const r of o.rooms) rooms.set(r.id, await BaresipRoom.start({ ...r.room, name: r.id }));
    m.bridge = await startBridge({
      ...(o.rtpTimeoutMs !== undefined ? { rtpTimeoutMs: o.rtpTimeoutMs } : {}),
      log: o.log,
      endpoints: o.rooms.map((r) => ({
        id: r.id,
        name: r.name ?? { zh: r.id, en: r.id },
        kind: 'town',
        uri: rooms.get(r.id)!.uri,
        groups: ['towns'],
        codecs: r.codecs,
      })),
    });
    const bridge = m.bridge;
    m.web = startJoin(bridge, o.log, pageScript);
    m.chrome = await ChromiumPeer.launch(o.chrome);
    const conf = await bridge.manager.start({ ...o.conference, endpoints: o.rooms.map((r) => r.id) }, 'test');
    m.conf = conf;
    await until(
      'every room connected',
      () => bridge.manager.show(conf.id).participants.every((p) => p.state === 'connected'),
      o.connectMs,
    );
    return { ...(m as Omit<BrowserMeeting, 'close'>), close };
  } catch (err) {
    await close();
    throw err;
  }
}
