// A scheduler in its own process, for restart tests that SIGKILL it: opens the SQLite file, runs
// the Scheduler by the real clock, and prints one JSON line per thing it does (ready, start, end,
// notice, occurrence). Run: node --import tsx tests/helpers/scheduler-proc.ts <db> <config.json>
import { readFileSync } from 'node:fs';
import { SiteConfig } from '../../daemon/config/schema.js';
import { Scheduler } from '../../daemon/scheduler/Scheduler.js';
import type { ConferenceControl } from '../../daemon/scheduler/types.js';
import { Store } from '../../daemon/store/Store.js';
import { silentLogger } from '../../daemon/util/logger.js';

const [file, configFile] = process.argv.slice(2);
if (!file || !configFile) throw new Error('usage: scheduler-proc.ts <db> <config.json>');
const out = (o: Record<string, unknown>): void => {
  process.stdout.write(`${JSON.stringify({ ...o, now: Date.now() })}\n`);
};

const active = new Set<string>();
let n = 0;
const conferences: ConferenceControl = {
  async start(p) {
    const id = `c-${process.pid}-${++n}`;
    active.add(id);
    out({ type: 'start', id, params: p });
    return { id };
  },
  notice: (id, message) => out({ type: 'notice', id, message }),
  end: (id, reason) => {
    active.delete(id);
    out({ type: 'end', id, reason });
  },
  isActive: (id) => active.has(id),
};

const store = Store.open(file);
const scheduler = new Scheduler({
  store,
  config: SiteConfig.parse(JSON.parse(readFileSync(configFile, 'utf8'))),
  log: silentLogger(),
  prober: { probe: async () => ({ ok: true, rttMs: 1 }) },
  conferences,
});
scheduler.on('occurrence', (o) => out({ type: 'occurrence', state: o.state, reason: o.reason }));
scheduler.start();
out({ type: 'ready' });
process.on('SIGTERM', () => {
  void scheduler.close().then(() => {
    store.close();
    process.exit(0);
  });
});
