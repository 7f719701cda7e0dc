// The demo's stand-ins for real room systems (`npm run demo`): a baresip per chosen town on the
// example config's own 127.0.1.N address, and for the upstream a kamailio on its address (the
// registrar we register to, with the config's password) in front of a baresip acting as the MCU.
// Each room plays its own tone and sends a solid colour, so `vcbridge conf show` has live figures.
import { loadConfig } from '../../daemon/config/load.js';
import { parseSipUri } from '../../daemon/config/uri.js';
import type { Endpoint } from '../../daemon/config/schema.js';
import { BaresipRoom } from './baresipRoom.js';
import { KamailioUpstream } from './kamailioUpstream.js';

export interface DemoPeers {
  rooms: BaresipRoom[];
  kamailio?: KamailioUpstream;
  stop(): Promise<void>;
}

const TONES = [440, 660, 880, 1100, 550, 770];
const COLORS = ['red', 'lime', 'blue', 'yellow', 'cyan', 'magenta'];
const BARESIP_AUDIO = ['PCMA', 'PCMU', 'G722'];

function addressOf(ep: Endpoint): { user: string; host: string; port: number } {
  const u = parseSipUri(ep.uri);
  if (!u) throw new Error(`endpoint ${ep.id}: bad URI ${ep.uri}`);
  return { user: u.user ?? ep.id, host: u.host, port: u.port ?? 5060 };
}

function password(ep: Endpoint): string {
  const p = ep.credentials?.password ?? '';
  return p.startsWith('env:') ? (process.env[p.slice(4)] ?? '') : p;
}

export async function startDemoPeers(o: {
  configFile: string;
  towns: string[];
  upstream?: string;
  toneSeconds?: number;
}): Promise<DemoPeers> {
  const { config } = loadConfig(o.configFile);
  const started: DemoPeers = {
    rooms: [],
    async stop() {
      await Promise.all(started.rooms.map((r) => r.stop()));
      await started.kamailio?.stop();
    },
  };
  const find = (id: string): Endpoint => {
    const ep = config.endpoints.find((e) => e.id === id);
    if (!ep) throw new Error(`no endpoint ${id} in ${o.configFile}`);
    return ep;
  };
  try {
    let i = 0;
    for (const id of o.towns) {
      const ep = find(id);
      const a = addressOf(ep);
      const audio = ep.codecs.audio.find((c) => BARESIP_AUDIO.includes(c)) ?? 'PCMA';
      started.rooms.push(
        await BaresipRoom.start({
          name: a.user,
          host: a.host,
          sipPort: a.port,
          toneHz: TONES[i % TONES.length]!,
          color: COLORS[i % COLORS.length],
          video: ep.codecs.video.includes('H264') ? 'H264' : ep.codecs.video.includes('VP8') ? 'VP8' : undefined,
          audioCodecs: [audio],
          toneSeconds: o.toneSeconds ?? 600,
        }),
      );
      i++;
    }
    if (o.upstream) {
      const ep = find(o.upstream);
      const a = addressOf(ep);
      // the MCU on the next address of the upstream's subnet (127.0.4.1 → 127.0.4.2)
      const mcuHost = a.host.replace(/\.(\d+)$/, (_m, n: string) => `.${Number(n) + 1}`);
      const mcu = await BaresipRoom.start({
        name: 'mcu',
        host: mcuHost,
        sipPort: 5060,
        toneHz: 1000,
        color: 'white',
        video: 'H264',
        audioCodecs: [ep.codecs.audio.find((c) => BARESIP_AUDIO.includes(c)) ?? 'PCMA'],
        toneSeconds: o.toneSeconds ?? 600,
      });
      started.rooms.push(mcu);
      started.kamailio = await KamailioUpstream.start({
        host: a.host,
        port: a.port,
        password: password(ep),
        mcu: mcu.uri,
      });
    }
    return started;
  } catch (err) {
    await started.stop();
    throw err;
  }
}
