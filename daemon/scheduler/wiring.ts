import type { ConferenceManager } from '../conference/ConferenceManager.js';
import type { EndpointMonitor } from '../health/EndpointMonitor.js';
import type { Scheduler } from './Scheduler.js';
import type { ConferenceControl, Prober, TestCallOutcome } from './types.js';

// Adapters the daemon uses to plug the scheduler into the layers below it.

/** The conference bridge as the scheduler drives it. */
export function conferenceControl(
  manager: Pick<ConferenceManager, 'start' | 'notice' | 'end' | 'isActive' | 'endsAt'>,
): ConferenceControl {
  return {
    start: async (p) => ({ id: (await manager.start(p, 'scheduler')).id }),
    notice: (id, message) => manager.notice(id, message),
    end: async (id, reason) => {
      await manager.end(id, reason);
    },
    isActive: (id) => manager.isActive(id),
    endsAt: (id) => manager.endsAt(id),
  };
}

/** Let the scheduler know when the bridge ends a conference or an operator extends one. */
export function followConferences(
  manager: Pick<ConferenceManager, 'on'>,
  scheduler: Pick<Scheduler, 'conferenceEnded' | 'conferenceExtended'>,
): void {
  manager.on('ended', (e) => scheduler.conferenceEnded(e.conferenceId, e.reason));
  manager.on('extended', (e) => scheduler.conferenceExtended(e.conferenceId, e.endsAt));
}

/** Pre-flight probes through the health monitor's one-off OPTIONS, plus a test call when there is one. */
export function healthProber(
  monitor: Pick<EndpointMonitor, 'probeNow'>,
  testCall?: (endpointId: string) => Promise<TestCallOutcome>,
): Prober {
  return testCall ? { probe: (id) => monitor.probeNow(id), testCall } : { probe: (id) => monitor.probeNow(id) };
}
