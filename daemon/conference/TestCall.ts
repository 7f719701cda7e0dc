import { VcError } from '../errors.js';
import { say } from '../../protocol/index.js';
import type { EndpointDiagnoseResult, ParticipantView } from '../../protocol/index.js';
import type { ConferenceManager } from './ConferenceManager.js';

/** What a short test call to one endpoint found: did the call set up, and did media flow both ways
 *  (the test-call half of the API's endpoint.diagnose result). */
export type TestCallReport = Required<Pick<EndpointDiagnoseResult, 'call'>> & Pick<EndpointDiagnoseResult, 'media'>;

export interface TestCallOptions {
  /** Give up on the call after this long (default 15 s). */
  setupTimeoutMs?: number;
  /** How long media is measured once connected (default 4.5 s: two stats intervals). */
  measureMs?: number;
  pollMs?: number;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * A test call is a one-site conference that lives a few seconds: the site is dialled like in a
 * meeting (same SDP, same relay, the mixer sends it comfort silence), so what it measures is what a
 * meeting would get. It shows in the call records under the title "test call".
 */
export async function runTestCall(
  manager: ConferenceManager,
  endpointId: string,
  opts: TestCallOptions = {},
): Promise<TestCallReport> {
  const busy = manager
    .list()
    .find((c) => c.participants.some((p) => p.endpointId === endpointId && p.state === 'connected'));
  if (busy) throw new VcError('ENDPOINT_BUSY', say('err.testCallBusy', { id: endpointId, conference: busy.id }));
  const started = Date.now();
  const conf = await manager.start(
    { title: `test call: ${endpointId}`, endpoints: [endpointId], mode: 'broadcast' },
    'test-call',
  );
  const setupDeadline = started + (opts.setupTimeoutMs ?? 15_000);
  const poll = opts.pollMs ?? 200;
  const leg = (): ParticipantView | undefined =>
    manager.show(conf.id).participants.find((p) => p.endpointId === endpointId);
  try {
    let p = leg();
    // a failed first attempt is final for a test call: the redial policy is the meeting's business
    while (
      p &&
      p.state !== 'connected' &&
      p.state !== 'failed' &&
      !(p.state === 'redialing' && p.attempts > 0) &&
      Date.now() < setupDeadline
    ) {
      await sleep(poll);
      p = leg();
    }
    if (!p || p.state !== 'connected') {
      const reason =
        p?.reason ??
        (Date.now() >= setupDeadline
          ? `no answer within ${Math.round((opts.setupTimeoutMs ?? 15_000) / 1000)} s`
          : (p?.state ?? 'not dialled'));
      const status = /^(\d{3})\b/.exec(reason)?.[1];
      return { call: { ok: false, reason, ...(status ? { status: Number(status) } : {}) } };
    }
    const setupMs = Date.now() - started;
    await sleep(opts.measureMs ?? 4500);
    const s = leg()?.stats;
    const kbpsIn = s?.bitrateInKbps ?? null;
    const kbpsOut = s?.bitrateOutKbps ?? null;
    return {
      call: {
        ok: true,
        setupMs,
        ...(s?.audioCodec ? { audioCodec: s.audioCodec } : {}),
        ...(s?.videoCodec ? { videoCodec: s.videoCodec } : {}),
      },
      media: {
        ok: (kbpsIn ?? 0) > 0 && (kbpsOut ?? 0) > 0,
        lossPct: s?.lossPct ?? null,
        jitterMs: s?.jitterMs ?? null,
        rttMs: s?.rttMs ?? null,
        kbpsIn,
        kbpsOut,
        packetsSent: s?.packetsOut ?? null,
        packetsReceived: s?.packetsIn ?? null,
      },
    };
  } finally {
    await manager.end(conf.id, 'test call finished');
  }
}
