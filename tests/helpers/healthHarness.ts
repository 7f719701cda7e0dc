import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { z } from 'zod';
import { MethodRouter } from '../../daemon/api/MethodRouter.js';
import { RpcServer } from '../../daemon/api/RpcServer.js';
import { registerEndpointMethods } from '../../daemon/api/methods/endpoints.js';
import { SiteConfig } from '../../daemon/config/schema.js';
import { EndpointMonitor } from '../../daemon/health/EndpointMonitor.js';
import type { OptionsProber } from '../../daemon/health/types.js';
import { Store } from '../../daemon/store/Store.js';
import { systemClock } from '../../daemon/util/clock.js';
import { silentLogger, type Logger } from '../../daemon/util/logger.js';
import { TOKENS } from './daemon.js';

// The health layer wired the way the daemon wires it (monitor → store, monitor events → API
// notifications, endpoint methods on the router), on a real control API, a real SQLite file and
// whatever real prober the test hands in.

const hash = (t: string) => `sha256:${createHash('sha256').update(t).digest('hex')}`;

export interface HealthApi {
  url: string;
  config: SiteConfig;
  monitor: EndpointMonitor;
  store: Store;
  api: RpcServer;
  dbFile: string;
  /** Start probing (only needed with `autoStart: false`). */
  start(): void;
  close(): Promise<void>;
}

export async function startHealthApi(opts: {
  endpoints: unknown[];
  groups?: unknown[];
  health?: Record<string, unknown>;
  prober: OptionsProber;
  log?: Logger;
  /** Start the monitor at once (default); false lets a test subscribe first. */
  autoStart?: boolean;
}): Promise<HealthApi> {
  const dir = mkdtempSync(join(tmpdir(), 'vc-health-api-'));
  const config = SiteConfig.parse({
    site: { name: 'Health test site' },
    operators: [
      { name: 'alice', role: 'operator', tokenHash: hash(TOKENS.operator) },
      { name: 'tom', role: 'technician', tokenHash: hash(TOKENS.technician) },
      { name: 'vera', role: 'viewer', tokenHash: hash(TOKENS.viewer) },
    ],
    groups: opts.groups ?? [
      { id: 'towns', name: { zh: '乡镇', en: 'Towns' } },
      { id: 'bureaus', name: { zh: '委局', en: 'Bureaus' } },
    ],
    endpoints: opts.endpoints,
    health: { intervalSeconds: 1, timeoutMs: 300, concurrency: 16, degradedRttMs: 300, ...opts.health },
  });
  const log = opts.log ?? silentLogger();
  const dbFile = join(dir, 'vcbridge.db');
  const store = Store.open(dbFile);
  const monitor = new EndpointMonitor({
    prober: opts.prober,
    repo: store.health,
    clock: systemClock,
    log,
    settings: config.health,
  });
  const router = new MethodRouter();
  // As the daemon's core methods do: the server applies the topics after the handler returns.
  const Topics = z.object({ topics: z.array(z.string().min(1)).min(1) }).strict();
  router.register('subscribe', Topics, (p) => ({ topics: p.topics }));
  registerEndpointMethods(router, { monitor, config: () => config });
  const api = await RpcServer.start({
    host: '127.0.0.1',
    port: 0,
    router,
    operators: () => config.operators,
    audit: store.audit,
    log,
  });
  monitor.on('state', (c) => api.notify('endpoint.state', c));
  monitor.on('registration', (r) => api.notify('endpoint.registration', r));
  if (opts.autoStart !== false) monitor.start(config.endpoints);
  return {
    url: api.url,
    config,
    monitor,
    store,
    api,
    dbFile,
    start: () => monitor.start(config.endpoints),
    async close() {
      monitor.close();
      await api.close();
      store.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
