import { z } from 'zod';
import type { Recordings } from '../../conference/recording/Recordings.js';
import type { MethodRouter } from '../MethodRouter.js';

// conference.record.start|stop and recording.list|show|delete (录制). The service throws VcErrors
// naming what is wrong (unknown or ended conference, a folder that is not writable, a full disk).

const Id = z.string().min(1).max(64);

export function registerRecordingMethods(router: MethodRouter, recordings: Recordings): void {
  router.register('conference.record.start', z.object({ id: Id }).strict(), (p, caller) =>
    recordings.start(p.id, caller.name),
  );
  router.register('conference.record.stop', z.object({ id: Id }).strict(), (p, caller) =>
    recordings.stop(p.id, `stopped by ${caller.name}`),
  );
  router.register(
    'recording.list',
    z
      .object({ conferenceId: Id.optional(), limit: z.number().int().min(1).max(1000).optional() })
      .strict()
      .optional(),
    (p) => recordings.list(p ?? {}),
  );
  router.register('recording.show', z.object({ id: Id }).strict(), (p) => recordings.show(p.id));
  router.register('recording.delete', z.object({ id: Id }).strict(), (p) => recordings.delete(p.id));
}
