// vcbridge conf stream start|stop ID: live streaming (HLS on the daemon's port, RTMP pushes).
import { Command } from 'commander';
import { globals, withClient } from '../context.js';
import { usage } from '../errors.js';
import { print } from '../output.js';
import { parseDuration } from '../time.js';
import { renderStreamStart } from '../liveRender.js';
import { translator } from '../ui/i18n/translate.js';
import { say } from '../../protocol/index.js';

const start = new Command('start')
  .description('stream the conference live: --hls prints a signed, expiring link; --rtmp URL pushes to an RTMP server')
  .argument('<id>', 'conference id')
  .option('--hls', 'serve HLS on the daemon port (the default when no --rtmp is given)')
  .option('--rtmp <url>', 'push to this RTMP server too: rtmp://host[:port]/app/streamkey (or rtmps://)')
  .option('--ttl <duration>', 'how long the link works: 30m, 4h, 2d (default 4h)')
  .action(async (id: string, raw: { hls?: boolean; rtmp?: string; ttl?: string }, cmd: Command) => {
    const g = globals(cmd);
    const ms = raw.ttl === undefined ? undefined : parseDuration(raw.ttl);
    if (raw.ttl !== undefined && (ms === undefined || ms < 60_000 || ms > 7 * 86_400_000))
      throw usage(say('cli.ttl', { value: String(raw.ttl) }));
    if (raw.rtmp !== undefined && !/^rtmps?:\/\//i.test(raw.rtmp.trim()))
      throw usage(translator(g.lang)('live.badRtmp', { url: raw.rtmp }));
    const hls = raw.hls ?? raw.rtmp === undefined;
    const params = {
      id,
      hls,
      ...(raw.rtmp !== undefined ? { rtmp: raw.rtmp } : {}),
      ...(ms !== undefined ? { ttlMinutes: Math.round(ms / 60_000) } : {}),
    };
    const r = await withClient(g, (c) => c.call('conference.stream.start', params));
    print(g, r, (v) => renderStreamStart(id, v, g.lang));
  });

const stop = new Command('stop')
  .description('stop every live output of the conference (HLS links stop working, RTMP pushes end)')
  .argument('<id>', 'conference id')
  .action(async (id: string, _raw: unknown, cmd: Command) => {
    const g = globals(cmd);
    const r = await withClient(g, (c) => c.call('conference.stream.stop', { id }));
    print(g, r, () => translator(g.lang)('live.stopped', { id }));
  });

export const stream = new Command('stream')
  .description('live streaming of a conference: HLS for large audiences, RTMP to a streaming platform')
  .addCommand(start)
  .addCommand(stop);
