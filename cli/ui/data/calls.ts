// Every control-API call the console makes, in one place. ConsoleApi.call is typed by the protocol's
// method table, so a contract change breaks the build here.
import type { ConferenceMode, MethodName, ParamsOf, ResultOf, ScheduleAddParams } from '../../../protocol/index.js';
import { isMethodUnknown, type ConsoleApi } from './types.js';
import type { Snapshot } from './state.js';

const DAY_MS = 86_400_000;

/** Everything the screens show, read in parallel. A method the daemon lacks yields null, not an error. */
export async function loadSnapshot(api: ConsoleApi, now = Date.now()): Promise<Snapshot> {
  const unavailable: string[] = [];
  const optional = async <M extends MethodName>(method: M, params?: ParamsOf<M>): Promise<ResultOf<M> | null> => {
    try {
      return await api.call(method, params);
    } catch (err) {
      if (isMethodUnknown(err)) {
        unavailable.push(method);
        return null;
      }
      throw err;
    }
  };
  const [status, endpoints, conferences, occurrences] = await Promise.all([
    api.call('status'),
    optional('endpoints.list', {}),
    optional('conference.list', {}),
    // From yesterday so today's earlier meetings stay listed whatever the site's timezone.
    optional('schedule.list', {
      from: new Date(now - DAY_MS).toISOString(),
      to: new Date(now + 8 * DAY_MS).toISOString(),
    }),
  ]);
  return { status, endpoints, conferences, occurrences, unavailable: unavailable.sort() };
}

/** What the operator can do to a running conference (the keys of the conference view). */
export interface ConferenceActions {
  mute(endpointId: string, muted: boolean): Promise<unknown>;
  muteAllExceptChair(): Promise<unknown>;
  floor(endpointId: string): Promise<unknown>;
  mode(mode: ConferenceMode): Promise<unknown>;
  dial(endpointId: string): Promise<unknown>;
  hangup(endpointId: string): Promise<unknown>;
  extend(minutes: number): Promise<unknown>;
  end(): Promise<unknown>;
  /** Roll call: the floor to the next / previous connected site. */
  floorStep(direction: 'next' | 'previous'): Promise<unknown>;
  /** Start auto-polling every site (every `intervalSeconds`), or stop it. */
  poll(on: boolean, intervalSeconds?: number): Promise<unknown>;
  /** Start auto-polling every site through pane `pane` of the conference's layout (every `intervalSeconds`). */
  pollPane(pane: number, intervalSeconds?: number): Promise<unknown>;
  clearHands(endpointId?: string): Promise<unknown>;
  layout(layout: string): Promise<unknown>;
  pane(pane: number, site: string): Promise<unknown>;
}

export function conferenceActions(api: ConsoleApi, id: string): ConferenceActions {
  return {
    mute: (endpointId, muted) => api.call(muted ? 'conference.mute' : 'conference.unmute', { id, endpointId }),
    muteAllExceptChair: () => api.call('conference.muteAll', { id, exceptChair: true }),
    floor: (endpointId) => api.call('conference.floor', { id, endpointId }),
    mode: (mode) => api.call('conference.mode', { id, mode }),
    dial: (endpointId) => api.call('conference.dial', { id, endpointId }),
    hangup: (endpointId) => api.call('conference.hangup', { id, endpointId }),
    extend: (minutes) => api.call('conference.extend', { id, minutes }),
    end: () => api.call('conference.end', { id }),
    floorStep: (direction) => api.call('conference.floorStep', { id, direction }),
    poll: (on, intervalSeconds = 10) => api.call('conference.poll', on ? { id, intervalSeconds } : { id, stop: true }),
    pollPane: (pane, intervalSeconds = 10) => api.call('conference.poll', { id, intervalSeconds, pane }),
    clearHands: (endpointId) => api.call('conference.clearHands', { id, ...(endpointId ? { endpointId } : {}) }),
    layout: (layout) => api.call('conference.layout', { id, layout }),
    pane: (pane, site) => api.call('conference.pane', { id, pane, site }),
  };
}

export type { ScheduleAddParams };

export function addSchedule(api: ConsoleApi, p: ScheduleAddParams): Promise<unknown> {
  return api.call('schedule.add', p);
}
