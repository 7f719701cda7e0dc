// The conference bridge composed in-process the way the daemon wires it (SIP stack with access
// control, worker pool, relay ports, the media plane worker thread, SipSignalling, ConferenceManager, and the control API with the
// conference methods), on free ports and a temp SQLite file. For real-peer tests that need to reach
// inside (kill the worker, shorten the RTP timeout) and still drive everything through the API/CLI.
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createLogger, silentLogger, type Logger } from '../../daemon/util/logger.js';
import { SiteConfig } from '../../daemon/config/schema.js';
import { Store } from '../../daemon/store/Store.js';
import { SipStack } from '../../daemon/sip/SipStack.js';
import { AccessControl } from '../../daemon/sip/AccessControl.js';
import { WorkerPool } from '../../daemon/media/WorkerPool.js';
import { RelayPortPool } from '../../daemon/media/RelayPortPool.js';
import { MediaPlane } from '../../daemon/media/plane/MediaPlane.js';
import { SipSignalling } from '../../daemon/conference/sip/SipSignalling.js';
import { ConferenceManager } from '../../daemon/conference/ConferenceManager.js';
import type { Signalling } from '../../daemon/conference/Signalling.js';
import { MethodRouter } from '../../daemon/api/MethodRouter.js';
import type { NotificationName, Notifications } from '../../protocol/index.js';
import { RpcServer } from '../../daemon/api/RpcServer.js';
import { registerConferenceMethods } from '../../daemon/api/methods/conference.js';
import { registerTemplateMethods } from '../../daemon/api/methods/templates.js';
import { registerMultiviewMethods } from '../../daemon/api/methods/multiview.js';
import { CLI_JS } from './daemon.js';
import { freePort } from './ports.js';

export const BRIDGE_TOKEN = 'conference-test-operator';

export interface Bridge {
  config: SiteConfig;
  store: Store;
  stack: SipStack;
  pool: WorkerPool;
  /** The media plane worker (audio relays and mixers), as the daemon runs it; absent with `plane: false`. */
  plane: MediaPlane | undefined;
  signalling: SipSignalling;
  manager: ConferenceManager;
  api: RpcServer;
  /** The API's method table (tests register more methods, e.g. conference.invite). */
  router: MethodRouter;
  url: string;
  sipPort: number;
  /** Notifications pushed to API clients, in order. */
  notifications: { method: string; params: unknown }[];
  close(): Promise<void>;
}

export async function startBridge(o: {
  endpoints: Record<string, unknown>[];
  groups?: Record<string, unknown>[];
  templates?: Record<string, unknown>[];
  rtpTimeoutMs?: number;
  workers?: number;
  log?: Logger;
  /** false: audio relays and mixers in this thread, as before the media plane (bench comparisons). */
  plane?: boolean;
  /** The media plane thread's nice value (default the daemon's, PLANE_NICE). */
  planeNice?: number;
  /** The media plane thread at real-time priority (config media.realtime). */
  planeRealtime?: boolean;
  /** Put another Signalling in front of the SIP one (benchmarks mix in simulated probe sites). */
  signallingWrap?: (sip: SipSignalling) => Signalling;
}): Promise<Bridge> {
  // VCB_TEST_LOG=/tmp/x.log keeps the bridge's debug log of a run (for a failure that is hard to repeat)
  const logFile = process.env['VCB_TEST_LOG'];
  const log = o.log ?? (logFile ? createLogger({ file: logFile, level: 'debug' }) : silentLogger());
  const dir = mkdtempSync(join(tmpdir(), 'vcb-bridge-'));
  const sipPort = await freePort();
  const config = SiteConfig.parse({
    site: { name: 'conference test' },
    sip: { listen: [{ transport: 'udp', host: '127.0.0.1', port: sipPort }], userAgent: 'vcbridge-test' },
    media: { rtpPorts: { min: 10000, max: 14999 }, relayPorts: { min: 15000, max: 19999 } },
    groups: o.groups ?? [{ id: 'towns', name: { zh: '乡镇', en: 'Towns' } }],
    operators: [
      { name: 'op', role: 'operator', tokenHash: `sha256:${createHash('sha256').update(BRIDGE_TOKEN).digest('hex')}` },
    ],
    endpoints: o.endpoints,
    templates: o.templates ?? [],
  });
  const closers: (() => unknown)[] = [];
  const store = Store.open(join(dir, 'vcbridge.db'));
  closers.push(
    () => store.close(),
    () => rmSync(dir, { recursive: true, force: true }),
  );
  try {
    const access = new AccessControl({ log });
    await access.update(AccessControl.fromConfig(config.endpoints));
    const stack = await SipStack.start({
      listen: config.sip.listen,
      userAgent: config.sip.userAgent,
      log,
      isAllowed: access.decide,
    });
    closers.push(() => stack.close());
    const pool = new WorkerPool({ log, workers: o.workers ?? 2, rtcPorts: config.media.rtpPorts });
    await pool.start();
    closers.push(() => pool.close());
    const ports = new RelayPortPool({ range: config.media.relayPorts, address: config.media.listenAddress });
    const plane =
      o.plane === false
        ? undefined
        : await MediaPlane.start({
            log,
            ...(o.planeNice !== undefined ? { nice: o.planeNice } : {}),
            ...(o.planeRealtime ? { realtime: true } : {}),
          });
    if (plane) closers.push(() => plane.close());
    const signalling = new SipSignalling({ stack, log });
    closers.push(() => signalling.close());
    const manager = new ConferenceManager({
      log,
      store,
      pool,
      ports,
      ...(plane ? { plane } : {}),
      signalling: o.signallingWrap ? o.signallingWrap(signalling) : signalling,
      config: () => config,
      rtpTimeoutMs: o.rtpTimeoutMs,
    });
    closers.push(() => manager.close());
    const router = new MethodRouter();
    // as the daemon's core methods do: the server keeps the topics, the handler echoes them
    router.register('subscribe', undefined, (p) => p);
    router.register('unsubscribe', undefined, (p) => p);
    registerConferenceMethods(router, manager);
    registerTemplateMethods(router, () => config);
    registerMultiviewMethods(router, manager);
    const api = await RpcServer.start({
      host: '127.0.0.1',
      port: 0,
      router,
      operators: () => config.operators,
      audit: store.audit,
      log,
    });
    closers.push(() => api.close());
    const notifications: { method: string; params: unknown }[] = [];
    const push = <N extends NotificationName>(method: N, params: Notifications[N]): void => {
      notifications.push({ method, params });
      api.notify(method, params);
    };
    manager.on('state', (v) => push('conference.state', v));
    manager.on('participant', (p) => push('conference.participant', p));
    manager.on('event', (e) => push('conference.event', e));
    manager.on('stats', (s) => push('stats', s));
    signalling.on('registration', (r) =>
      push('endpoint.registration', { id: r.endpointId, state: r.state, ...(r.reason ? { reason: r.reason } : {}) }),
    );
    return {
      config,
      store,
      stack,
      pool,
      plane,
      signalling,
      manager,
      api,
      router,
      url: api.url,
      sipPort,
      notifications,
      async close() {
        for (const c of closers.reverse()) {
          try {
            await c();
          } catch (err) {
            log.error({ err }, 'closing the test bridge');
          }
        }
      },
    };
  } catch (err) {
    for (const c of closers.reverse()) await c();
    throw err;
  }
}

/** The built CLI against a bridge as its operator: exit code and output (never rejects). */
export function bridgeCli(bridge: Bridge, args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [CLI_JS, '--url', bridge.url, '--token', BRIDGE_TOKEN, ...args],
      { timeout: 30_000 },
      (err, stdout, stderr) =>
        resolve({ code: err ? (typeof err.code === 'number' ? err.code : 1) : 0, stdout, stderr }),
    );
  });
}
