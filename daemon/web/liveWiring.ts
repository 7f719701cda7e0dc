// Live streaming, wired into a running daemon: conference.stream.start|stop, the /live/ and /watch
// routes on the control port, the conference's live state in its view, alarms and metrics.
//
//   d.addService(startLive({ router: d.router, api: d.api, manager, tokens, dataDir, feed, ... }));
import { join } from 'node:path';
import { z } from 'zod';
import { Counter, type Registry } from 'prom-client';
import type { SiteConfig } from '../config/schema.js';
import type { ConferenceManager } from '../conference/ConferenceManager.js';
import type { MethodRouter } from '../api/MethodRouter.js';
import type { RpcServer } from '../api/RpcServer.js';
import { say, type ConferenceStreamStartResult, type ConferenceView } from '../../protocol/index.js';
import { VcError } from '../errors.js';
import type { Logger } from '../util/logger.js';
import type { FeedSource } from '../media/live/types.js';
import { redactRtmpUrl } from '../media/live/ffmpegArgs.js';
import type { JoinTokens } from './JoinTokens.js';
import { LiveServer } from './LiveServer.js';
import { LiveStreams, type LiveAlarm } from './LiveStreams.js';
import { joinBase, TtlMinutes } from './wiring.js';
import { defaultScriptPath } from './BundledScript.js';

export interface LiveDeps {
  router: MethodRouter;
  api: Pick<RpcServer, 'addRoute' | 'url'>;
  manager: Pick<ConferenceManager, 'get' | 'notice' | 'show' | 'on'>;
  tokens: JoinTokens;
  dataDir: string;
  feed: FeedSource;
  config: () => SiteConfig;
  log: Logger;
  /** The daemon's metrics registry (Daemon.metrics.registry). */
  registry?: Registry;
  /** Alarm hook for outputs that fail (the health alarm command/webhook). */
  alarm?: (a: LiveAlarm, message: string) => void;
  watchScript?: string;
  restartDelaysMs?: readonly number[];
}

export interface Live {
  readonly name: 'live';
  readonly streams: LiveStreams;
  readonly server: LiveServer;
  close(): Promise<void>;
}

const DEFAULT_TTL_MINUTES = 240;
const Id = z.string().min(1).max(64);
const Start = z
  .object({
    id: Id,
    hls: z.boolean().optional(),
    rtmp: z.string().min(1).max(2048).optional(),
    ttlMinutes: TtlMinutes.optional(),
  })
  .strict();

export function startLive(d: LiveDeps): Live {
  const log = d.log.child({ component: 'live' });
  const failures = d.registry
    ? new Counter({
        name: 'vcbridge_live_output_failures_total',
        help: 'live outputs (HLS packager, RTMP push) that failed and were restarted or given up',
        labelNames: ['output'],
        registers: [d.registry],
      })
    : undefined;
  const streams: LiveStreams = new LiveStreams({
    feed: d.feed,
    dir: join(d.dataDir, 'live'),
    log: d.log,
    restartDelaysMs: d.restartDelaysMs,
    rtmpsTrust: () => {
      const c = d.config().live;
      return { verify: c.rtmpsVerify, caFile: c.rtmpsCaFile };
    },
    onChange: (id, view) => {
      try {
        d.manager.get(id).setLive(view ? () => streams.view(id) : null);
      } catch {
        // the conference ended meanwhile: its view no longer shows live state
      }
    },
    onAlarm: (a) => {
      const output = a.output === 'hls' ? 'HLS' : `RTMP ${a.target}`;
      const why = (a.reason ?? '').slice(0, 240);
      const text =
        a.state === 'running'
          ? say('ev.liveRecovered', { output })
          : a.state === 'failed'
            ? say('ev.liveGaveUp', { output, why })
            : say('ev.liveFailing', { output, why });
      const at = { conference: a.conferenceId, output: a.output, target: a.target };
      if (a.state === 'running') log.info(at, text);
      else {
        failures?.inc({ output: a.output });
        log.error({ ...at, reason: a.reason }, text);
      }
      d.manager.notice(a.conferenceId, text);
      d.alarm?.(a, text);
    },
  });
  const server = new LiveServer({
    tokens: d.tokens,
    hlsDir: (id) => streams.hlsDir(id),
    title: (id) => {
      try {
        const c = d.manager.get(id);
        return c.live ? c.title : undefined;
      } catch {
        return undefined;
      }
    },
    watchScript: d.watchScript ?? defaultScriptPath('watch.js'),
    log: d.log,
  });
  streams.viewerCount = (id) => server.viewers(id);
  d.api.addRoute(server.route);
  d.manager.on('state', (v: ConferenceView) => {
    if (v.state === 'ended' || v.state === 'ending')
      void streams.stop(v.id).catch((err: unknown) => log.error({ err, conference: v.id }, 'live stop failed'));
  });

  d.router.register('conference.stream.start', Start, (p, caller): ConferenceStreamStartResult => {
    const conf = d.manager.get(p.id);
    if (!conf.live) throw new VcError('CONFERENCE_ENDED', say('web.streamNotLive', { id: p.id, phase: conf.phase }));
    const hls = p.hls ?? p.rtmp === undefined;
    if (!hls && p.rtmp === undefined) throw new VcError('PARAMS_INVALID', say('web.streamWhat'));
    // the RTMP URL is checked before anything starts: a bad one changes nothing
    if (p.rtmp !== undefined) streams.addRtmp(conf.id, p.rtmp);
    let url: string | null = null;
    let watchUrl: string | null = null;
    let expiresAt: string | null = null;
    if (hls) {
      streams.startHls(conf.id);
      const issued = d.tokens.issueLive({
        conferenceId: conf.id,
        ttlMs: (p.ttlMinutes ?? DEFAULT_TTL_MINUTES) * 60_000,
      });
      const base = joinBase(d.config(), d.api.url);
      url = `${base}/live/${conf.id}/index.m3u8?t=${issued.token}`;
      watchUrl = `${base}/watch?t=${issued.token}`;
      expiresAt = new Date(issued.claims.expiresAt).toISOString();
    }
    const outputs = [hls ? 'HLS' : null, p.rtmp ? `RTMP ${redactRtmpUrl(p.rtmp)}` : null].filter(Boolean).join(' + ');
    d.manager.notice(conf.id, say('ev.liveStarted', { by: caller.name, outputs }));
    const live = streams.view(conf.id);
    if (!live) throw new VcError('INTERNAL', say('web.streamVanished'));
    return { url, watchUrl, expiresAt, live };
  });

  d.router.register('conference.stream.stop', z.object({ id: Id }).strict(), async (p, caller) => {
    const conf = d.manager.get(p.id);
    if (await streams.stop(conf.id)) d.manager.notice(conf.id, say('ev.liveStopped', { by: caller.name }));
    return d.manager.show(conf.id);
  });

  return { name: 'live', streams, server, close: () => streams.close() };
}
