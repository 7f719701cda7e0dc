import { Command } from 'commander';
import type { ConferencePollParams, ConferenceView, HandView } from '../../protocol/index.js';
import { globals, withClient } from '../context.js';
import { usage } from '../errors.js';
import { print } from '../output.js';
import { renderConference, renderHands } from '../confRender.js';
import { parseDuration } from '../time.js';
import { say } from '../../protocol/index.js';

// vcbridge conf floor (one site, or --next/--previous through a roll-call list), conf poll (轮巡),
// conf hands (申请发言).

const list = (s: string): string[] =>
  s
    .split(',')
    .map((x) => x.trim())
    .filter(Boolean);

export const floor = new Command('floor')
  .description(
    'give the floor to a site (roll call 点名发言), "none" to take it back, or step through the sites with --next / --previous',
  )
  .argument('<id>', 'conference id')
  .argument('[site]', 'endpoint id or none')
  .option('--next', 'the next connected site of the roll-call list')
  .option('--previous', 'the previous connected site of the roll-call list')
  .option(
    '--sites <ids>',
    'with --next/--previous: the roll-call list (kept for later steps; default every site but chair and upstream)',
  )
  .action(
    async (
      id: string,
      site: string | undefined,
      o: { next?: boolean; previous?: boolean; sites?: string },
      cmd: Command,
    ) => {
      const g = globals(cmd);
      const step = o.next ? 'next' : o.previous ? 'previous' : undefined;
      if (o.next && o.previous) throw usage(say('cli.nextOrPrevious'));
      if (step && site !== undefined) throw usage(say('cli.siteOrStep', { step }));
      if (!step && site === undefined) throw usage(say('cli.floorWhom'));
      if (o.sites && !step) throw usage(say('cli.sitesWithStep'));
      const r = await withClient(g, (c): Promise<ConferenceView> =>
        step
          ? c.call('conference.floorStep', { id, direction: step, ...(o.sites ? { sites: list(o.sites) } : {}) })
          : c.call('conference.floor', { id, endpointId: site === 'none' ? null : site! }),
      );
      print(g, r, (v) => renderConference(v, g.lang));
    },
  );

/** "10s", "2m", or plain seconds. */
function seconds(s: string): number {
  if (/^\d+(\.\d+)?$/.test(s)) return Number(s);
  const ms = parseDuration(s);
  if (ms === undefined) throw usage(say('cli.interval', { value: s }));
  return ms / 1000;
}

export const poll = new Command('poll')
  .description(
    "auto-polling (轮巡): walk the broadcast picture (or one site's view, or one pane of a multi-picture layout) through the sites, one every interval",
  )
  .argument('<id>', 'conference id')
  .option('--interval <d>', 'time on each site, 5s to 10m (default 10s)')
  .option('--sites <ids>', 'the sites to walk, comma-separated (default every site in the meeting)')
  .option('--group <group>', 'every site of a group that is in the meeting')
  .option('--for <site>', "poll what this one site sees instead of everyone's picture")
  .option(
    '--pane <n>',
    "poll pane N of the conference layout (with --for: of that site's own layout); the pane goes back to auto when polling stops",
  )
  .option('--stop', 'stop polling')
  .action(
    async (
      id: string,
      o: { interval?: string; sites?: string; group?: string; for?: string; pane?: string; stop?: boolean },
      cmd: Command,
    ) => {
      const g = globals(cmd);
      if (o.stop && (o.interval || o.sites || o.group || o.for || o.pane)) throw usage(say('cli.stopAlone'));
      if (o.pane !== undefined && !/^[1-9]\d{0,2}$/.test(o.pane))
        throw usage(say('cli.paneOption', { value: String(o.pane) }));
      if (o.sites && o.group) throw usage(say('cli.sitesOrGroup'));
      const params: ConferencePollParams = o.stop
        ? { id, stop: true }
        : {
            id,
            ...(o.interval ? { intervalSeconds: seconds(o.interval) } : {}),
            ...(o.sites ? { sites: list(o.sites) } : {}),
            ...(o.group ? { group: o.group } : {}),
            ...(o.for ? { for: o.for } : {}),
            ...(o.pane !== undefined ? { pane: Number(o.pane) } : {}),
          };
      const r = await withClient(g, (c) => c.call('conference.poll', params));
      print(g, r, (v) => renderConference(v, g.lang));
    },
  );

export const hands = new Command('hands')
  .description('raised hands (申请发言), oldest first; --clear lowers them (all, or one site)')
  .argument('<id>', 'conference id')
  .option('--clear [site]', "lower every hand, or only this site's")
  .action(async (id: string, o: { clear?: string | boolean }, cmd: Command) => {
    const g = globals(cmd);
    if (o.clear !== undefined) {
      const site = typeof o.clear === 'string' ? o.clear : undefined;
      const r = await withClient(g, (c) =>
        c.call('conference.clearHands', { id, ...(site ? { endpointId: site } : {}) }),
      );
      print(g, r.hands ?? [], (h) => renderHands(h, g.lang, r));
      return;
    }
    const r = await withClient(g, async (c) => ({
      hands: await c.call('conference.hands', { id }),
      conf: await c.call('conference.show', { id }),
    }));
    print<HandView[]>(g, r.hands, (h) => renderHands(h, g.lang, r.conf));
  });
