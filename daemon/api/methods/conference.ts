import { z } from 'zod';
import type { ConferenceManager } from '../../conference/ConferenceManager.js';
import { cdrView } from '../../conference/views.js';
import { VcError } from '../../errors.js';
import { Title } from '../../util/text.js';
import type { CdrRow, ConferenceView, HandView, ParticipantView } from '../../../protocol/index.js';
import { say } from '../../../protocol/index.js';
import type { MethodRouter } from '../MethodRouter.js';

// conference.* and cdr.list: thin shells over the ConferenceManager; it validates against the site
// config and throws the VcErrors the CLI prints.

const Id = z.string().min(1).max(64);
const Mode = z.enum(['broadcast', 'rollcall', 'voice', 'select']);
const IdOnly = z.object({ id: Id }).strict();
const Target = z.object({ id: Id, endpointId: Id }).strict();
const Iso = z.iso.datetime({ offset: true });

const Start = z
  .object({
    title: Title.optional(),
    template: Id.optional(),
    endpoints: z.array(Id).max(500).optional(),
    group: Id.optional(),
    upstream: Id.optional(),
    chair: Id.optional(),
    mode: Mode.optional(),
    durationMinutes: z
      .number()
      .int()
      .min(1)
      .max(24 * 60)
      .optional(),
    record: z.boolean().optional(),
  })
  .strict();

const Mute = z
  .object({
    id: Id,
    endpointId: Id.optional(),
    endpointIds: z.array(Id).min(1).max(500).optional(),
    all: z.boolean().optional(),
    exceptChair: z.boolean().optional(),
  })
  .strict();

const CdrList = z
  .object({
    since: Iso.optional(),
    conferenceId: Id.optional(),
    endpointId: Id.optional(),
    limit: z.number().int().min(1).max(100_000).optional(),
  })
  .strict();

export function registerConferenceMethods(router: MethodRouter, manager: ConferenceManager): void {
  router.register('conference.start', Start, (p, caller): Promise<ConferenceView> => manager.start(p, caller.name));

  router.register(
    'conference.list',
    z.object({ all: z.boolean().optional(), since: Iso.optional() }).strict().optional(),
    (p): ConferenceView[] => manager.list({ all: p?.all, since: p?.since ? Date.parse(p.since) : undefined }),
  );

  router.register('conference.show', IdOnly, (p): ConferenceView => manager.show(p.id));

  router.register(
    'conference.end',
    z.object({ id: Id, reason: z.string().max(200).optional() }).strict(),
    (p, caller): Promise<ConferenceView> => manager.end(p.id, p.reason ?? say('api.endedBy', { name: caller.name })),
  );

  const mute =
    (muted: boolean) =>
    (p: z.infer<typeof Mute>): ConferenceView => {
      const c = manager.get(p.id);
      if (p.all) c.mute('all', muted, { exceptChair: p.exceptChair });
      else {
        const ids = [...(p.endpointIds ?? []), ...(p.endpointId ? [p.endpointId] : [])];
        if (ids.length === 0) throw new VcError('BAD_REQUEST', say('api.muteWhom'));
        c.mute(ids, muted);
      }
      return c.view();
    };
  router.register('conference.mute', Mute, mute(true));
  router.register('conference.unmute', Mute, mute(false));
  router.register(
    'conference.muteAll',
    z.object({ id: Id, exceptChair: z.boolean().optional() }).strict(),
    (p): ConferenceView => {
      const c = manager.get(p.id);
      c.mute('all', true, { exceptChair: p.exceptChair ?? true });
      return c.view();
    },
  );

  router.register('conference.floor', z.object({ id: Id, endpointId: Id.nullable() }).strict(), (p): ConferenceView => {
    const c = manager.get(p.id);
    c.setFloor(p.endpointId);
    return c.view();
  });

  router.register(
    'conference.mode',
    z.object({ id: Id, mode: Mode, floor: Id.optional() }).strict(),
    (p): ConferenceView => manager.setMode(p.id, p.mode, p.floor),
  );

  router.register(
    'conference.view',
    z.object({ id: Id, endpointId: Id, source: Id.nullable() }).strict(),
    (p): ConferenceView => {
      const c = manager.get(p.id);
      c.select(p.endpointId, p.source);
      return c.view();
    },
  );

  router.register('conference.dial', Target, (p): ParticipantView => manager.dial(p.id, p.endpointId));
  router.register('conference.hangup', Target, (p): Promise<ParticipantView> => manager.get(p.id).hangup(p.endpointId));

  const lock =
    (locked: boolean) =>
    (p: { id: string }): ConferenceView => {
      const c = manager.get(p.id);
      c.setLocked(locked);
      return c.view();
    };
  router.register('conference.lock', IdOnly, lock(true));
  router.register('conference.unlock', IdOnly, lock(false));

  router.register(
    'conference.extend',
    z
      .object({
        id: Id,
        minutes: z
          .number()
          .int()
          .min(1)
          .max(24 * 60),
      })
      .strict(),
    (p): ConferenceView => manager.extend(p.id, p.minutes),
  );

  router.register(
    'conference.floorStep',
    z.object({ id: Id, direction: z.enum(['next', 'previous']), sites: z.array(Id).max(500).optional() }).strict(),
    (p): ConferenceView => {
      const c = manager.get(p.id);
      c.control.stepFloor(p.direction, p.sites);
      return c.view();
    },
  );

  router.register(
    'conference.poll',
    z
      .object({
        id: Id,
        // the conference names the allowed range in its error; this only keeps numbers sane
        intervalSeconds: z.number().min(0).max(86_400).optional(),
        sites: z.array(Id).min(1).max(500).optional(),
        group: Id.optional(),
        for: Id.optional(),
        // the layout names the panes it has in its error; this only keeps numbers sane
        pane: z.number().int().min(1).max(1000).optional(),
        stop: z.boolean().optional(),
      })
      .strict(),
    (p): ConferenceView => {
      const c = manager.get(p.id);
      if (p.stop) c.control.stopPolling();
      else
        c.control.poll({
          intervalSeconds: p.intervalSeconds ?? 10,
          sites: manager.pollSites(p.id, p.sites, p.group),
          target: p.for ?? null,
          pane: p.pane ?? null,
        });
      return c.view();
    },
  );

  router.register('conference.hands', IdOnly, (p): HandView[] => manager.get(p.id).view().hands ?? []);

  router.register(
    'conference.clearHands',
    z.object({ id: Id, endpointId: Id.optional() }).strict(),
    (p): ConferenceView => {
      const c = manager.get(p.id);
      c.control.clearHands(p.endpointId);
      return c.view();
    },
  );

  router.register('cdr.list', CdrList.optional(), (p): CdrRow[] =>
    manager
      .listCdr({
        since: p?.since ? Date.parse(p.since) : undefined,
        conferenceId: p?.conferenceId,
        endpointId: p?.endpointId,
        limit: p?.limit ?? 1000,
      })
      .map(cdrView),
  );
}
