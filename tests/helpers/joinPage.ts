// The browser join page for tests with headless Chromium: its script bundled as the daemon's build
// would, and the join endpoints (/join, /join/ws) served by a test bridge.
import { join } from 'node:path';
import { build } from 'esbuild';
import { startBrowserJoin, type BrowserJoin } from '../../daemon/web/wiring.js';
import type { Logger } from '../../daemon/util/logger.js';
import type { Bridge } from './conferenceBridge.js';
import { ROOT } from './daemon.js';

/** Bundle daemon/web/page.ts into `dir`; returns the script's path. */
export async function buildJoinPage(dir: string): Promise<string> {
  const pageScript = join(dir, 'page.js');
  await build({
    entryPoints: [join(ROOT, 'daemon/web/page.ts')],
    bundle: true,
    format: 'esm',
    platform: 'browser',
    target: 'chrome110',
    outfile: pageScript,
    logLevel: 'warning',
  });
  return pageScript;
}

/** Serve the join page and its signalling socket from the bridge's control API server. */
export function startJoin(bridge: Bridge, log: Logger, pageScript: string): BrowserJoin {
  return startBrowserJoin({
    router: bridge.router,
    api: bridge.api,
    manager: bridge.manager,
    kv: bridge.store.kv,
    config: () => bridge.config,
    log,
    pageScript,
  });
}
