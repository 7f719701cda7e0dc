import { Command } from 'commander';
import { z } from 'zod';
import type { ConferenceMode, ConferenceStartParams, ConferenceView, ParticipantView } from '../../protocol/index.js';
import type { ApiClient } from '../client.js';
import { globals, parseOptions, withClient, type Globals } from '../context.js';
import { usage } from '../errors.js';
import { print, writeOut } from '../output.js';
import { progressLine, renderConference, renderList, renderParticipant } from '../confRender.js';
import { parseDuration } from '../time.js';
import { explain } from '../ui/i18n/explain.js';
import { say } from '../../protocol/index.js';
import { floor, hands, poll } from './confControl.js';
import { stream } from './confStream.js';
import { record } from './recordings.js';

const MODES = ['broadcast', 'rollcall', 'voice', 'select'] as const;
const Mode = z.enum(MODES);
const list = (s: string): string[] =>
  s
    .split(',')
    .map((x) => x.trim())
    .filter(Boolean);
const SETTLED = new Set<ParticipantView['state']>(['connected', 'failed', 'redialing', 'hungup', 'ended']);

const StartOptions = z.object({
  title: z.string().trim().min(1, 'a title is needed').optional(),
  template: z.string().min(1).optional(),
  endpoints: z.string().optional(),
  group: z.string().min(1).optional(),
  upstream: z.string().min(1).optional(),
  chair: z.string().min(1).optional(),
  mode: Mode.optional(),
  duration: z.coerce.number().int().min(1).max(1440).optional(),
  record: z.boolean().optional(),
  wait: z.coerce.number().min(0).max(600).default(30),
});

/** Start, then follow each site's progress until every one has settled (or --wait runs out). */
async function startAndFollow(
  g: Globals,
  c: ApiClient,
  params: ConferenceStartParams,
  waitS: number,
): Promise<ConferenceView> {
  const seen: { conferenceId: string; participant: ParticipantView }[] = [];
  const target: { id?: string } = {};
  const states = new Map<string, ParticipantView['state']>();
  let wake: (() => void) | undefined;
  const show = (p: ParticipantView): void => {
    if (states.get(p.endpointId) === p.state && p.state !== 'redialing') return;
    states.set(p.endpointId, p.state);
    if (!g.json) writeOut(`${progressLine(p, g.lang)}\n`);
    wake?.();
  };
  c.onNotification((method, n) => {
    if (method === 'conference.participant') {
      if (target.id === undefined) seen.push(n);
      else if (n.conferenceId === target.id) show(n.participant);
    } else if (method === 'conference.event' && !g.json) {
      const key = n.why?.key;
      const loud = key
        ? /^ev\.(failed|failedFinal|dropped|pinSent|pinFailed)$/.test(key)
        : /failed|dropped|PIN/.test(n.message);
      if (n.conferenceId === target.id && loud) writeOut(`          ${explain(n.why ?? n.message, g.lang)}\n`);
    }
  });
  await c.call('subscribe', { topics: ['conference.participant', 'conference.event'] });
  const started = await c.call('conference.start', params);
  const id = started.id;
  target.id = id;
  if (!g.json)
    writeOut(`${g.t('c.conf.starting', { id: started.id, title: started.title, n: started.participants.length })}\n`);
  for (const n of seen.splice(0)) if (n.conferenceId === id) show(n.participant);
  const deadline = Date.now() + waitS * 1000;
  const settled = (): boolean => started.participants.every((p) => SETTLED.has(states.get(p.endpointId) ?? p.state));
  while (!settled() && Date.now() < deadline) {
    await new Promise<void>((resolve) => {
      wake = resolve;
      setTimeout(resolve, Math.min(500, Math.max(0, deadline - Date.now())));
    });
  }
  return c.call('conference.show', { id });
}

const start = new Command('start')
  .description('start a conference: dial every site now and show how each one answers')
  .option('--title <title>', "what the meeting is called (default: the template's)")
  .option(
    '--template <id>',
    'a meeting template of the site config (see `vcbridge template list`); other options add to it',
  )
  .option('--endpoints <ids>', 'comma-separated endpoint ids, e.g. mihe,xiaoguan')
  .option('--group <group>', 'every endpoint of a group, e.g. towns')
  .option('--upstream <id>', 'the upstream MCU to join (registers, dials, sends its PIN), e.g. zhengzhou')
  .option('--chair <id>', 'the chair site (never muted by roll call)')
  .option('--mode <mode>', `floor mode: ${MODES.join(', ')} (default broadcast)`)
  .option('--duration <minutes>', 'planned length; the conference ends itself then')
  .option('--record', 'record the meeting from its start (see vcbridge recordings)')
  .option('--wait <seconds>', "follow the sites' progress at most this long (0: do not wait)", '30')
  .action(async (raw, cmd: Command) => {
    const g = globals(cmd);
    const o = parseOptions(StartOptions, raw);
    if (!o.template && !o.title) throw usage(say('cli.confTitle'));
    if (!o.template && !o.endpoints && !o.group && !o.upstream) throw usage(say('cli.confSites'));
    const params: ConferenceStartParams = {};
    if (o.title) params.title = o.title;
    if (o.template) params.template = o.template;
    if (o.endpoints) params.endpoints = list(o.endpoints);
    if (o.group) params.group = o.group;
    if (o.upstream) params.upstream = o.upstream;
    if (o.chair) params.chair = o.chair;
    if (o.mode) params.mode = o.mode;
    if (o.duration) params.durationMinutes = o.duration;
    if (o.record) params.record = true;
    const conf = await withClient(g, (c) => startAndFollow(g, c, params, o.wait));
    print(g, conf, (v) => `\n${renderConference(v, g.lang)}`);
  });

const listCmd = new Command('list')
  .description('conferences running now (--all: also those that ended)')
  .option('--all', 'include ended conferences (newest 100)')
  .action(async (raw: { all?: boolean }, cmd: Command) => {
    const g = globals(cmd);
    const rows = await withClient(g, (c) => c.call('conference.list', raw.all ? { all: true } : {}));
    print(g, rows, (r) => renderList(r, g.lang));
  });

const showCmd = new Command('show')
  .description('one conference: every site with its state, mute, what it sees and its link quality')
  .argument('<id>', 'conference id (see `vcbridge conf list`)')
  .action(async (id: string, _o, cmd: Command) => {
    const g = globals(cmd);
    const conf = await withClient(g, (c) => c.call('conference.show', { id }));
    print(g, conf, (v) => renderConference(v, g.lang));
  });

/** A subcommand `<id> ...args` that calls one method and prints the conference (or participant). */
function action<A extends unknown[]>(
  name: string,
  description: string,
  args: [string, string][],
  run: (c: ApiClient, id: string, ...rest: A) => Promise<ConferenceView | ParticipantView>,
  opts: [string, string][] = [],
): Command {
  const cmd = new Command(name).description(description).argument('<id>', 'conference id');
  for (const [a, d] of args) cmd.argument(a, d);
  for (const [f, d] of opts) cmd.option(f, d);
  return cmd.action(async (...all: unknown[]) => {
    // commander calls back with (id, ...declared arguments, options, command)
    const command = all[all.length - 1] as Command;
    const g = globals(command);
    const id = all[0] as string;
    const merged = [...all.slice(1, 1 + args.length), all[all.length - 2]] as unknown as A;
    const out = await withClient(g, (c) => run(c, id, ...merged));
    print(g, out, (v) => ('endpointId' in v ? renderParticipant(v, g.lang) : renderConference(v, g.lang)));
  });
}

const orNull = (s: string): string | null => (s === 'none' || s === 'auto' ? null : s);

const end = action<[{ reason?: string }]>(
  'end',
  'end the conference (BYE to every site)',
  [],
  (c, id, o) => c.call('conference.end', { id, ...(o.reason ? { reason: o.reason } : {}) }),
  [['--reason <text>', 'why, for the record']],
);

const mute = action<[string[], { all?: boolean; exceptChair?: boolean }]>(
  'mute',
  'mute sites (or --all, --all --except-chair)',
  [['[sites...]', 'endpoint ids']],
  (c, id, sites, o) => {
    if (!o.all && sites.length === 0) throw usage(say('cli.muteWhom'));
    return c.call(
      'conference.mute',
      o.all ? { id, all: true, exceptChair: Boolean(o.exceptChair) } : { id, endpointIds: sites },
    );
  },
  [
    ['--all', 'every site'],
    ['--except-chair', 'with --all: keep the chair unmuted'],
  ],
);

const unmute = action<[string[], { all?: boolean }]>(
  'unmute',
  'unmute sites (or --all)',
  [['[sites...]', 'endpoint ids']],
  (c, id, sites, o) => {
    if (!o.all && sites.length === 0) throw usage(say('cli.unmuteWhom'));
    return c.call('conference.unmute', o.all ? { id, all: true } : { id, endpointIds: sites });
  },
  [['--all', 'every site']],
);

const mode = action<[string, { floor?: string }]>(
  'mode',
  `switch the floor mode: ${MODES.join(', ')}`,
  [['<mode>', MODES.join('|')]],
  (c, id, m, o) => {
    const parsed = Mode.safeParse(m);
    if (!parsed.success) throw usage(say('cli.mode', { modes: MODES.join(', '), value: m }));
    return c.call('conference.mode', {
      id,
      mode: parsed.data as ConferenceMode,
      ...(o.floor ? { floor: o.floor } : {}),
    });
  },
  [['--floor <site>', 'the source (broadcast) or floor site (rollcall)']],
);

const view = action<[string, string]>(
  'view',
  'choose what one site sees ("auto": back to the mode\'s choice)',
  [
    ['<site>', 'the site whose screen to set'],
    ['<source>', 'the site it should see, or auto'],
  ],
  (c, id, site, source) => c.call('conference.view', { id, endpointId: site, source: orNull(source) }),
);

const dial = action<[string]>(
  'dial',
  'dial (or redial now) a site; a configured site not in the meeting joins it',
  [['<site>', 'endpoint id']],
  (c, id, site) => c.call('conference.dial', { id, endpointId: site }),
);

const hangup = action<[string]>(
  'hangup',
  'hang up one site (it is not redialled until you dial it)',
  [['<site>', 'endpoint id']],
  (c, id, site) => c.call('conference.hangup', { id, endpointId: site }),
);

const lock = action<[]>('lock', 'refuse dial-ins to this conference', [], (c, id) => c.call('conference.lock', { id }));
const unlock = action<[]>('unlock', 'accept dial-ins from listed sites again', [], (c, id) =>
  c.call('conference.unlock', { id }),
);

const extend = action<[string]>(
  'extend',
  'move the planned end later (15m, 1h, or minutes)',
  [['<duration>', 'time to add: 15m, 1h30m, or a number of minutes']],
  (c, id, duration) => {
    const ms = /^\d+$/.test(duration) ? Number(duration) * 60_000 : parseDuration(duration);
    const n = ms === undefined ? NaN : ms / 60_000;
    if (!Number.isInteger(n) || n < 1 || n > 1440) throw usage(say('cli.extendDuration', { value: duration }));
    return c.call('conference.extend', { id, minutes: n });
  },
);

const LAYOUT_HELP =
  "1, 2x2, 3x3, 4x4, 5x5, 1+5, 1+7, 1+12, auto, or off (the switched view); with --for: default (the conference's)";

const layout = action<[string, { for?: string }]>(
  'layout',
  'multi-picture layout (多画面) of the conference, or of one site with --for',
  [['<layout>', LAYOUT_HELP]],
  (c, id, l, o) => c.call('conference.layout', { id, layout: l, ...(o.for ? { for: o.for } : {}) }),
  [['--for <site>', 'a personal layout for this site only']],
);

const pane = action<[string, string, { for?: string }]>(
  'pane',
  'pin a site to pane N of the layout (1 = the large pane), or "auto"',
  [
    ['<n>', 'pane number, from 1'],
    ['<site>', 'endpoint id, or auto'],
  ],
  (c, id, n, site, o) => {
    if (!/^\d+$/.test(n)) throw usage(say('cli.paneArg', { value: n }));
    return c.call('conference.pane', { id, pane: Number(n), site, ...(o.for ? { for: o.for } : {}) });
  },
  [['--for <site>', "in that site's personal layout"]],
);

const banner = action<[string | undefined, { clear?: boolean }]>(
  'banner',
  'a line of text over every composed picture (字幕), or --clear',
  [['[text]', 'the banner text']],
  (c, id, text, o) => {
    if (o.clear) return c.call('conference.banner', { id, text: null });
    if (!text) throw usage(say('cli.bannerText'));
    return c.call('conference.banner', { id, text });
  },
  [['--clear', 'remove the banner']],
);

const invite = new Command('invite')
  .description(
    'a join link for a browser participant (a bureau without a room system): signed, for this conference only, expiring',
  )
  .argument('<id>', 'conference id')
  .requiredOption('--name <name>', 'the name everyone sees, e.g. 教育局')
  .option('--ttl <duration>', 'how long the link works: 30m, 4h, 2d (default 4h)')
  .action(async (id: string, raw: { name: string; ttl?: string }, cmd: Command) => {
    const g = globals(cmd);
    const ms = raw.ttl === undefined ? undefined : parseDuration(raw.ttl);
    if (raw.ttl !== undefined && (ms === undefined || ms < 60_000 || ms > 7 * 86_400_000))
      throw usage(say('cli.ttl', { value: String(raw.ttl) }));
    const params = { id, name: raw.name, ...(ms !== undefined ? { ttlMinutes: Math.round(ms / 60_000) } : {}) };
    const r = await withClient(g, (c) => c.call('conference.invite', params));
    print(
      g,
      r,
      (v) => `${v.url}\n\n${g.t('c.invite.body', { name: raw.name, id: v.participantId, until: v.expiresAt })}`,
    );
  });

export const conf = new Command('conf')
  .description('conferences: start, list, show, end, and control the floor, roll call, polling, hands, mutes and views')
  .addCommand(start)
  .addCommand(listCmd)
  .addCommand(showCmd)
  .addCommand(end)
  .addCommand(mute)
  .addCommand(unmute)
  .addCommand(floor)
  .addCommand(poll)
  .addCommand(hands)
  .addCommand(mode)
  .addCommand(view)
  .addCommand(layout)
  .addCommand(pane)
  .addCommand(banner)
  .addCommand(dial)
  .addCommand(hangup)
  .addCommand(lock)
  .addCommand(unlock)
  .addCommand(extend)
  .addCommand(invite)
  .addCommand(stream)
  .addCommand(record);
