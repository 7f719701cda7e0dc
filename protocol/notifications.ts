// Notifications the daemon pushes to subscribed clients (JSON-RPC notifications, no id).
import type { ConferenceView, LegStats, ParticipantView } from './conferences.js';
import type { EndpointState, RegistrationState } from './endpoints.js';
import type { Reason } from './reasons.js';
import type { OccurrenceView, PreflightReport } from './schedules.js';

export interface Notifications {
  'daemon.reloaded': { changes: string[] };
  'daemon.stopping': { reason: string };
  'endpoint.state': {
    id: string;
    from: EndpointState;
    to: EndpointState;
    at: string;
    reason?: string;
    rttMs?: number | null;
  };
  'endpoint.registration': { id: string; state: RegistrationState; reason?: string };
  'conference.state': ConferenceView;
  'conference.participant': { conferenceId: string; participant: ParticipantView };
  /** `message` is the English text; `why` the same as a key and parameters (see reasons.ts). */
  'conference.event': { conferenceId: string; at: string; message: string; why?: Reason };
  stats: { conferenceId: string; endpointId: string; stats: LegStats };
  'schedule.preflight': PreflightReport;
  'schedule.occurrence': OccurrenceView;
  'schedule.notice': { scheduleId: string; conferenceId?: string; message: string };
  /** A recording stopped on its own (disk guard, failure); the meeting goes on. */
  'recording.alarm': { conferenceId: string; recordingId: string; message: string; freeBytes: number | null };
}
export type NotificationName = keyof Notifications;

/** One notification as (method, params) arguments: a union discriminated by the method, so a
 *  `switch (method)` narrows `params` to that notification's shape. */
export type NotificationArgs = { [N in NotificationName]: [method: N, params: Notifications[N]] }[NotificationName];

/** Every notification, at run time (subscribe accepts these, '*', and '<head>.*' of them). */
export const NOTIFICATION_NAMES: { [N in NotificationName]: true } = {
  'daemon.reloaded': true,
  'daemon.stopping': true,
  'endpoint.state': true,
  'endpoint.registration': true,
  'conference.state': true,
  'conference.participant': true,
  'conference.event': true,
  stats: true,
  'schedule.preflight': true,
  'schedule.occurrence': true,
  'schedule.notice': true,
  'recording.alarm': true,
};
