import { z } from 'zod';
import type { ConferenceManager } from '../../conference/ConferenceManager.js';
import type { ConferenceView } from '../../../protocol/index.js';
import type { MethodRouter } from '../MethodRouter.js';

// conference.layout / pane / banner: multi-picture (多画面). The conference validates layouts, pane
// numbers and sites and throws VcErrors naming what is wrong; nothing changes then.

const Id = z.string().min(1).max(64);

export function registerMultiviewMethods(router: MethodRouter, manager: ConferenceManager): void {
  router.register(
    'conference.layout',
    z.object({ id: Id, layout: z.string().min(1).max(16), for: Id.optional() }).strict(),
    async (p): Promise<ConferenceView> => {
      const c = manager.get(p.id);
      // the compositor starts first: a layout it cannot show is refused with nothing changed
      await c.control.prepareLayout(p.layout, p.for);
      c.control.setLayout(p.layout, p.for);
      return c.view();
    },
  );
  router.register(
    'conference.pane',
    z.object({ id: Id, pane: z.number().int(), site: Id, for: Id.optional() }).strict(),
    (p): ConferenceView => {
      const c = manager.get(p.id);
      c.control.setPane(p.pane, p.site, p.for);
      return c.view();
    },
  );
  router.register(
    'conference.banner',
    z.object({ id: Id, text: z.string().max(1000).nullable() }).strict(),
    (p): ConferenceView => {
      const c = manager.get(p.id);
      c.control.setBanner(p.text);
      return c.view();
    },
  );
}
