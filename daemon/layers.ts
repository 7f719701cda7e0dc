import type { SiteConfig, Endpoint } from './config/schema.js';
import { resolveCredentials } from './config/validate.js';
import { SipStack } from './sip/SipStack.js';
import { AccessControl } from './sip/AccessControl.js';
import { TlsPeers } from './sip/TlsPeers.js';
import type { Registration, RegistrationSnapshot } from './sip/Registration.js';
import { EndpointMonitor } from './health/EndpointMonitor.js';
import { AlarmHook } from './health/AlarmHook.js';
import { WorkerPool } from './media/WorkerPool.js';
import { MediaPlane } from './media/plane/MediaPlane.js';
import { RelayPortPool } from './media/RelayPortPool.js';
import { SipSignalling } from './conference/sip/SipSignalling.js';
import { ConferenceManager } from './conference/ConferenceManager.js';
import { Scheduler } from './scheduler/Scheduler.js';
import { conferenceControl, followConferences, healthProber } from './scheduler/wiring.js';
import { registerScheduleMethods } from './api/methods/schedule.js';
import { registerEndpointMethods } from './api/methods/endpoints.js';
import { registerConferenceMethods } from './api/methods/conference.js';
import { registerMultiviewMethods } from './api/methods/multiview.js';
import { registerDiagnoseMethod } from './api/methods/diagnose.js';
import { registerRecordingMethods } from './api/methods/recording.js';
import { Recordings } from './conference/recording/Recordings.js';
import { join } from 'node:path';
import { startBrowserJoin } from './web/wiring.js';
import { startLive } from './web/liveWiring.js';
import { runTestCall } from './conference/TestCall.js';
import { VcError } from './errors.js';
import {
  feedConferenceMetrics,
  feedHealthMetrics,
  feedSipMetrics,
  feedSrtpMetrics,
  mixerCpuPercent,
} from './api/metricsFeed.js';
import type { RegistrationState } from '../protocol/index.js';
import { say } from '../protocol/index.js';
import { srtpEvents } from './media/srtp/SrtpGuard.js';
import type { Daemon } from './Daemon.js';

// The daemon's layers, started bottom-up and wired by events:
// sip → health → media → conference → scheduler, each registered as a Service so that
// Daemon.stop() closes them top-down (scheduler first, SIP last, after every BYE went out).

function registrationView(s: RegistrationSnapshot['state']): RegistrationState {
  return s === 'unregistered' ? 'none' : s;
}

/** What a registration depends on; a change of any of it means re-registering. */
function registrationKey(ep: Endpoint): string {
  return JSON.stringify([ep.uri, ep.transport, ep.credentials ?? null, ep.register?.expires ?? null]);
}

/** Upstream registrations the daemon keeps alive independently of any conference. */
class Registrations {
  readonly #regs = new Map<string, { reg: Registration; key: string }>();
  constructor(
    readonly stack: SipStack,
    readonly onState: (id: string, s: RegistrationSnapshot) => void,
  ) {}

  apply(endpoints: readonly Endpoint[]): void {
    const wanted = new Map(endpoints.filter((e) => e.register).map((e) => [e.id, e]));
    for (const [id, entry] of this.#regs) {
      const ep = wanted.get(id);
      // gone from the config, or its address/credentials/expiry changed: unregister the old binding
      if (!ep || registrationKey(ep) !== entry.key) {
        void entry.reg.close();
        this.#regs.delete(id);
      }
    }
    for (const [id, ep] of wanted) {
      if (this.#regs.has(id)) continue;
      const reg = this.stack.register({
        registrar: { uri: ep.uri, transport: ep.transport },
        aor: ep.uri,
        credentials: resolveCredentials(ep.credentials),
        expires: ep.register?.expires ?? 600,
      });
      reg.on('state', (s) => this.onState(id, s));
      this.#regs.set(id, { reg, key: registrationKey(ep) });
    }
  }

  get(id: string): Registration | undefined {
    return this.#regs.get(id)?.reg;
  }

  async close(): Promise<void> {
    await Promise.all([...this.#regs.values()].map((r) => r.reg.close()));
    this.#regs.clear();
  }
}

export async function startLayers(d: Daemon): Promise<void> {
  const cfg: SiteConfig = d.config;
  const log = d.log;

  // ---- SIP
  const access = new AccessControl({ log });
  await access.update(AccessControl.fromConfig(cfg.endpoints));
  const tlsPeers = new TlsPeers(log);
  await tlsPeers.update(cfg.endpoints);
  const stack = await SipStack.start({
    listen: cfg.sip.listen,
    publicHost: cfg.sip.publicHost,
    userAgent: cfg.sip.userAgent,
    log,
    tls: cfg.sip.tls && { ...cfg.sip.tls, peerPolicy: tlsPeers.policy },
    maxCallSeconds: cfg.sip.maxCallSeconds,
    isAllowed: access.decide,
    isKnownAddress: access.knows,
  });
  feedSipMetrics(d.metrics, stack);
  const srtpMetricsOff = feedSrtpMetrics(d.metrics, srtpEvents);
  d.addService({ name: 'srtp-metrics', close: srtpMetricsOff });
  d.addService({
    name: 'sip',
    reload: async (next) => {
      await access.update(AccessControl.fromConfig(next.endpoints));
      await tlsPeers.update(next.endpoints);
    },
    close: () => stack.close(),
  });

  // ---- health
  const monitor = new EndpointMonitor({
    prober: stack,
    repo: d.store.health,
    clock: d.clock,
    log,
    settings: cfg.health,
  });
  const alarms = new AlarmHook({ settings: cfg.health.alarm, clock: d.clock, log });
  feedHealthMetrics(d.metrics, monitor);
  monitor.on('state', (c) => {
    d.notify('endpoint.state', c);
    alarms.onStateChange(c);
    // a registrar that was unreachable may have restarted without our binding: register again now
    if (c.from === 'unreachable' && c.to !== 'unknown') regs.get(c.id)?.refreshNow();
  });
  monitor.on('registration', (r) => d.notify('endpoint.registration', r));
  const regs = new Registrations(stack, (id, s) => monitor.setRegistration(id, registrationView(s.state), s.reason));
  regs.apply(cfg.endpoints);
  monitor.start(cfg.endpoints);
  d.counters.endpointStates = () => monitor.counts();
  registerEndpointMethods(d.router, { monitor, config: () => d.config });
  d.addService({
    name: 'health',
    reload: (next) => {
      monitor.reload(next.endpoints, next.health);
      alarms.reload(next.health.alarm);
      regs.apply(next.endpoints);
    },
    close: async () => {
      monitor.close();
      await alarms.close();
      await regs.close();
    },
  });

  // ---- media
  const pool = new WorkerPool({ log, workers: cfg.media.workers, rtcPorts: cfg.media.rtpPorts });
  await pool.start();
  pool.on('died', () => d.metrics.workerRestarts.inc());
  const ports = new RelayPortPool({ range: cfg.media.relayPorts, address: cfg.media.listenAddress });
  const plane = await MediaPlane.start({ log, realtime: cfg.media.realtime });
  plane.on('died', () => d.metrics.mediaPlaneRestarts.inc());
  d.addService({
    name: 'media',
    close: async () => {
      await plane.close();
      pool.close();
    },
  });

  // ---- conferences
  const signalling = new SipSignalling({ stack, log, registrationFor: (id) => regs.get(id) });
  signalling.on('registration', (r) => monitor.setRegistration(r.endpointId, r.state, r.reason));
  d.addService({ name: 'signalling', close: () => signalling.close() });
  const manager = new ConferenceManager({
    log,
    clock: d.clock,
    store: d.store,
    pool,
    ports,
    plane,
    signalling,
    config: () => d.config,
  });
  manager.on('state', (v) => d.notify('conference.state', v));
  manager.on('participant', (p) => d.notify('conference.participant', p));
  manager.on('event', (e) => d.notify('conference.event', e));
  manager.on('stats', (s) => d.notify('stats', s));
  manager.on('inCall', (e) => monitor.setInCall(e.endpointId, e.inCall, e.conferenceId));
  feedConferenceMetrics(d.metrics, manager);
  registerConferenceMethods(d.router, manager);
  registerMultiviewMethods(d.router, manager);
  const web = startBrowserJoin({ router: d.router, api: d.api, manager, kv: d.store.kv, config: () => d.config, log });
  d.addService(web);
  d.addService(
    startLive({
      router: d.router,
      api: d.api,
      manager,
      tokens: web.tokens,
      dataDir: d.dataDir,
      feed: (id) => manager.programFeed(id).mux.reader(),
      config: () => d.config,
      log,
      registry: d.metrics.registry,
      // failing, giving up and recovering each raise the alarm once (rate-limited per output)
      alarm: (a, message) =>
        alarms.raise({
          event: `live.${a.output}`,
          key: `${a.conferenceId}:${a.target}`,
          message,
          details: { conferenceId: a.conferenceId, output: a.output, target: a.target, state: a.state },
        }),
    }),
  );
  const testCall = (id: string) => runTestCall(manager, id);
  registerDiagnoseMethod(d.router, { monitor, testCall, config: () => d.config });
  d.counters.activeConferences = () => manager.activeCount;
  d.counters.activeLegs = () => manager.gauges.activeLegs();
  d.counters.legLoss = () => manager.gauges.legLoss();
  d.counters.mixerCpuPct = mixerCpuPercent(() => manager.gauges.mixerBusyMs());
  d.addService({ name: 'conferences', close: () => manager.close() });

  // ---- recordings (after the conferences: closed before them, so files end before the meetings do)
  const recordings = new Recordings({
    repo: d.store.recordings,
    conferences: manager,
    settings: () => {
      const r = d.config.recording;
      return { ...r, dir: r.dir ?? join(d.dataDir, 'recordings') };
    },
    clock: d.clock,
    log,
  });
  recordings.on('changed', (e) => d.metrics.recordingsActive.set(e.active));
  recordings.on('alarm', (a) => {
    d.metrics.recordingAlarms.inc();
    d.notify('recording.alarm', a);
    alarms.raise({
      event: 'recording.stopped',
      key: a.conferenceId,
      message: a.message,
      details: { conferenceId: a.conferenceId, recordingId: a.recordingId, freeBytes: a.freeBytes },
    });
  });
  registerRecordingMethods(d.router, recordings);
  d.addService({ name: 'recordings', close: () => recordings.close() });

  // meetings a killed run left active are dialled again before the scheduler looks at them
  await manager.resumeActive();
  // and their recordings go on, each in a new part
  await recordings.resume();

  // ---- scheduler
  const scheduler = new Scheduler({
    store: d.store,
    config: cfg,
    log,
    clock: d.clock,
    prober: healthProber(monitor, async (id) => {
      const r = await testCall(id);
      if (!r.call.ok)
        throw new VcError('SIP_FAILED', say('pf.callFailed', { reason: r.call.reason ?? say('run.noReason') }));
      return { lossPct: r.media?.lossPct ?? 0, jitterMs: r.media?.jitterMs ?? 0, rttMs: r.media?.rttMs ?? 0 };
    }),
    conferences: conferenceControl(manager),
  });
  followConferences(manager, scheduler);
  registerScheduleMethods(d.router, scheduler);
  scheduler.on('preflight', (r) => d.notify('schedule.preflight', r));
  scheduler.on('occurrence', (o) => d.notify('schedule.occurrence', o));
  scheduler.on('notice', (n) => d.notify('schedule.notice', n));
  d.counters.upcoming24h = () => scheduler.upcomingCount();
  scheduler.start();
  d.addService(scheduler);
}
