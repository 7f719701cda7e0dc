import type { IncomingMessage, ServerResponse } from 'node:http';
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { EndpointState } from '../../protocol/index.js';

/** What the gauges read at scrape time; the daemon fills these from the layers that know. */
export interface MetricSources {
  endpointStates(): Partial<Record<EndpointState, number>>;
  conferences(): { active: number; legs: number };
  legLoss(): { conference: string; endpoint: string; lossPct: number }[];
  mixerCpuPct(): number | null;
}

/** Prometheus metrics, served as text at /metrics on the control port. */
export class Metrics {
  readonly registry = new Registry();
  readonly apiCalls: Counter<'method' | 'result'>;
  readonly sipMessages: Counter<'direction' | 'method' | 'code'>;
  readonly endpointRtt: Histogram;
  readonly workerRestarts: Counter;
  readonly mediaPlaneRestarts: Counter;
  readonly redials: Counter;
  readonly srtpAuthFailures: Counter<'endpoint'>;
  readonly recordingsActive: Gauge;
  readonly recordingAlarms: Counter;

  constructor(sources: MetricSources) {
    const registers = [this.registry];
    collectDefaultMetrics({ register: this.registry, prefix: 'vcbridge_' });
    this.apiCalls = new Counter({
      name: 'vcbridge_api_calls_total',
      help: 'control API calls by method and result',
      labelNames: ['method', 'result'],
      registers,
    });
    this.sipMessages = new Counter({
      name: 'vcbridge_sip_messages_total',
      help: 'SIP messages by direction, method and response code',
      labelNames: ['direction', 'method', 'code'],
      registers,
    });
    this.endpointRtt = new Histogram({
      name: 'vcbridge_endpoint_rtt_ms',
      help: 'OPTIONS round-trip time to endpoints (ms)',
      buckets: [5, 10, 25, 50, 100, 200, 300, 500, 1000, 2000],
      registers,
    });
    this.workerRestarts = new Counter({
      name: 'vcbridge_media_worker_restarts_total',
      help: 'mediasoup workers that died and were respawned',
      registers,
    });
    this.mediaPlaneRestarts = new Counter({
      name: 'vcbridge_media_plane_restarts_total',
      help: 'media plane worker threads (audio relays and mixers) that failed and were restarted',
      registers,
    });
    this.redials = new Counter({ name: 'vcbridge_redials_total', help: 'legs redialled after a drop', registers });
    this.srtpAuthFailures = new Counter({
      name: 'vcbridge_srtp_auth_failures_total',
      help: 'SRTP/SRTCP packets from a room that failed authentication (dropped)',
      labelNames: ['endpoint'],
      registers,
    });
    this.recordingsActive = new Gauge({
      name: 'vcbridge_recordings_active',
      help: 'conferences being recorded now',
      registers,
    });
    this.recordingAlarms = new Counter({
      name: 'vcbridge_recording_alarms_total',
      help: 'recordings stopped by the disk guard or a failure (the meeting went on)',
      registers,
    });
    new Gauge({
      name: 'vcbridge_endpoints',
      help: 'configured endpoints by health state',
      labelNames: ['state'],
      registers,
      collect() {
        const s = sources.endpointStates();
        for (const st of ['unknown', 'reachable', 'degraded', 'unreachable'] as const)
          this.set({ state: st }, s[st] ?? 0);
      },
    });
    new Gauge({
      name: 'vcbridge_conferences_active',
      help: 'conferences in progress',
      registers,
      collect() {
        this.set(sources.conferences().active);
      },
    });
    new Gauge({
      name: 'vcbridge_legs_active',
      help: 'call legs in active conferences',
      registers,
      collect() {
        this.set(sources.conferences().legs);
      },
    });
    new Gauge({
      name: 'vcbridge_leg_packet_loss_percent',
      help: 'inbound packet loss per leg over the last stats interval',
      labelNames: ['conference', 'endpoint'],
      registers,
      collect() {
        this.reset();
        for (const l of sources.legLoss()) this.set({ conference: l.conference, endpoint: l.endpoint }, l.lossPct);
      },
    });
    new Gauge({
      name: 'vcbridge_mixer_cpu_percent',
      help: 'audio mixer CPU, percent of one core',
      registers,
      collect() {
        const v = sources.mixerCpuPct();
        if (v !== null) this.set(v);
      },
    });
  }

  /** HTTP route for the RpcServer: GET /metrics. */
  route = async (req: IncomingMessage, res: ServerResponse): Promise<boolean> => {
    if (req.method !== 'GET' || (req.url ?? '').split('?')[0] !== '/metrics') return false;
    const body = await this.registry.metrics();
    res.writeHead(200, { 'content-type': this.registry.contentType }).end(body);
    return true;
  };
}
