import { z } from 'zod';
import { say } from '../../protocol/index.js';
import { parseSipUri } from './uri.js';
import { isValidTimeZone } from './timezone.js';

// The site config's shape. Cross-field rules (duplicate ids, unknown groups, overlapping port
// ranges, missing secrets) live in validate.ts so each failure can name the field it is about.
// Single-field rules (URI syntax, time zone, min <= max) live here so they are reported together
// with every other shape error in one pass.

export const ID_PATTERN = /^[a-z][a-z0-9_-]{0,31}$/;
const Id = z.string().regex(ID_PATTERN, say('config.idPattern'));
const Port = z.number().int().min(1).max(65535);
const Host = z.string().min(1);

export const Transport = z.enum(['udp', 'tcp', 'tls']);
export type Transport = z.infer<typeof Transport>;

export const Role = z.enum(['operator', 'technician', 'viewer']);
export type Role = z.infer<typeof Role>;

// `city`: the city's own rooms (the government's main room that chairs, the network management centre).
export const EndpointKind = z.enum(['city', 'upstream', 'town', 'subdistrict', 'bureau']);
export type EndpointKind = z.infer<typeof EndpointKind>;

export const AudioCodec = z.enum(['PCMA', 'PCMU', 'G722', 'opus']);
export type AudioCodec = z.infer<typeof AudioCodec>;
export const VideoCodec = z.enum(['H264', 'VP8']);
export type VideoCodec = z.infer<typeof VideoCodec>;

/** SDES-SRTP on a SIP leg: never, when the room agrees (default), or refuse rooms that will not encrypt. */
export const SrtpMode = z.enum(['off', 'optional', 'required']);
export type SrtpMode = z.infer<typeof SrtpMode>;

export const Credentials = z.strictObject({
  username: z.string().min(1),
  /** Either the secret itself or the name of an environment variable holding it ("env:NAME"). */
  password: z.string().min(1),
  realm: z.string().optional(),
});
export type Credentials = z.infer<typeof Credentials>;

export const Endpoint = z.strictObject({
  id: Id,
  name: z.strictObject({ zh: z.string().min(1), en: z.string().min(1) }),
  kind: EndpointKind,
  /** sip:user@host[:port] — the address we dial and probe. */
  uri: z.string().refine((s) => parseSipUri(s) !== null, say('config.notSipUri')),
  transport: Transport.default('udp'),
  /** Credentials we present when the endpoint challenges us (and register with, for the upstream). */
  credentials: Credentials.optional(),
  /** Digest-challenge this endpoint when it dials in (needs credentials). */
  challengeDialIn: z.boolean().default(false),
  /** Register to this endpoint (upstream MCU / registrar). */
  register: z.strictObject({ expires: z.number().int().min(60).max(86400).default(600) }).optional(),
  /** DTMF PIN sent after the upstream answers. */
  pin: z
    .string()
    .regex(/^[0-9*#]{1,32}$/, say('config.pinDigits'))
    .optional(),
  codecs: z
    .strictObject({
      audio: z.array(AudioCodec).min(1).default(['PCMA', 'PCMU', 'G722', 'opus']),
      video: z.array(VideoCodec).default(['H264', 'VP8']),
    })
    .default({ audio: ['PCMA', 'PCMU', 'G722', 'opus'], video: ['H264', 'VP8'] }),
  groups: z.array(Id).default([]),
  /** Pre-flight may place a short test call to this endpoint. */
  testCall: z.boolean().default(false),
  /** DTMF sequence with which the room asks to speak (申请发言). */
  raiseHand: z
    .string()
    .regex(/^[0-9*#]{1,8}$/, say('config.raiseHandDigits'))
    .default('*1'),
  /** Extra addresses a dial-in from this endpoint may come from (besides the URI's host). */
  allowFrom: z.array(Host).default([]),
  /** Language of the site's name in multi-picture labels (台标): name.zh by default. */
  labelLang: z.enum(['zh', 'en']).default('zh'),
  /** SDES-SRTP for this room; default media.srtp. */
  srtp: SrtpMode.optional(),
  /** Over TLS, verify this room's certificate (default true); false is an opt-out `config check` warns about. */
  tlsVerify: z.boolean().optional(),
});
export type Endpoint = z.infer<typeof Endpoint>;

export const Group = z.strictObject({
  id: Id,
  name: z.strictObject({ zh: z.string().min(1), en: z.string().min(1) }),
});
export type Group = z.infer<typeof Group>;

export const Operator = z.strictObject({
  name: z.string().regex(/^[A-Za-z0-9_.-]{1,64}$/, say('config.operatorName')),
  role: Role,
  /** sha256 hex of the bearer token ("sha256:<hex>"). Plain tokens are never stored. */
  tokenHash: z.string().regex(/^sha256:[0-9a-f]{64}$/, say('config.tokenHash')),
});
export type Operator = z.infer<typeof Operator>;

export const ConferenceMode = z.enum(['broadcast', 'rollcall', 'voice', 'select']);

/**
 * Multi-picture layouts a template may name, with their pane counts (the compositor's list:
 * daemon/media/compositor/layouts.ts; a unit test keeps the two equal). 'auto' grows to 25 panes.
 */
export const TEMPLATE_LAYOUT_PANES = {
  off: 0,
  auto: 25,
  '1': 1,
  '2x2': 4,
  '3x3': 9,
  '4x4': 16,
  '5x5': 25,
  '1+5': 6,
  '1+7': 8,
  '1+12': 13,
} as const;
export const TemplateLayout = z.enum(Object.keys(TEMPLATE_LAYOUT_PANES) as [keyof typeof TEMPLATE_LAYOUT_PANES]);

/** Auto-polling (轮巡) a template starts with the meeting: what `conf poll` takes. */
export const TemplatePolling = z.strictObject({
  /** Seconds on each site, 5 s – 10 min. */
  intervalSeconds: z.number().min(5).max(600).default(10),
  /** The sites to walk (default: every site of the meeting but the target). */
  sites: z.array(Id).min(1).optional(),
  /** Every site of this group that is in the meeting. */
  group: Id.optional(),
  /** Poll what this one site sees (default: everyone's picture). */
  target: Id.optional(),
  /** Poll this pane (1-based) of the template's layout. */
  pane: z.number().int().min(1).optional(),
});
export type TemplatePolling = z.infer<typeof TemplatePolling>;

/** A named meeting preset (会议模板): who takes part and how, started or booked by its id. */
export const Template = z.strictObject({
  id: Id,
  name: z.strictObject({ zh: z.string().min(1), en: z.string().min(1) }),
  /** The meeting's title when none is given (default: the Chinese name). */
  title: z.string().trim().min(1).max(200).optional(),
  endpoints: z.array(Id).default([]),
  groups: z.array(Id).default([]),
  chair: Id.optional(),
  upstream: Id.optional(),
  mode: ConferenceMode.optional(),
  durationMinutes: z
    .number()
    .int()
    .min(1)
    .max(24 * 60)
    .optional(),
  /** Booked series follow China's working-day calendar (调休): holidays skipped, make-up days worked. */
  workdays: z.enum(['cn']).optional(),
  /** The multi-picture layout (多画面) the meeting starts with. */
  layout: TemplateLayout.optional(),
  /** Auto-polling (轮巡) that starts with the meeting. */
  polling: TemplatePolling.optional(),
  /** Record the meeting from its start (see `recording`). */
  record: z.boolean().optional(),
});
export type Template = z.infer<typeof Template>;

const PortRange = z.strictObject({ min: Port, max: Port }).superRefine((r, ctx) => {
  if (r.min > r.max)
    ctx.addIssue({
      code: 'custom',
      path: ['min'],
      message: say('config.rangeOrder', { min: r.min, max: r.max }),
      // the message names both values: zodIssues adds no "got"
      params: { withValues: true },
    });
});

export const SiteConfig = z.strictObject({
  site: z.strictObject({
    name: z.string().min(1),
    timezone: z.string().refine(isValidTimeZone, say('config.timezone')).default('Asia/Shanghai'),
  }),
  sip: z
    .strictObject({
      listen: z
        .array(z.strictObject({ transport: Transport, host: Host.default('127.0.0.1'), port: Port.default(5060) }))
        .min(1)
        .default([
          { transport: 'udp', host: '127.0.0.1', port: 5060 },
          { transport: 'tcp', host: '127.0.0.1', port: 5060 },
        ]),
      /** Address put in Via/Contact/SDP; default: the first listen host. */
      publicHost: Host.optional(),
      /** cert/key: ours; ca: a CA file trusted for rooms' certificates besides the system store. */
      tls: z.strictObject({ cert: z.string(), key: z.string(), ca: z.string().optional() }).optional(),
      userAgent: z.string().default('vcbridge'),
      /** Longest a call may last before the daemon hangs it up. */
      maxCallSeconds: z
        .number()
        .int()
        .min(60)
        .max(7 * 86400)
        .default(6 * 3600),
    })
    .default({
      listen: [
        { transport: 'udp', host: '127.0.0.1', port: 5060 },
        { transport: 'tcp', host: '127.0.0.1', port: 5060 },
      ],
      userAgent: 'vcbridge',
      maxCallSeconds: 6 * 3600,
    }),
  media: z
    .strictObject({
      /** mediasoup RTP ports. */
      rtpPorts: PortRange.default({ min: 40000, max: 49999 }),
      /** Ports of the daemon's own RTP relay sockets for SIP legs. */
      relayPorts: PortRange.default({ min: 30000, max: 30999 }),
      /** Address announced to peers in SDP / ICE. */
      announcedAddress: Host.default('127.0.0.1'),
      listenAddress: Host.default('127.0.0.1'),
      workers: z.number().int().min(1).max(64).optional(),
      /** SDES-SRTP default for endpoints without their own `srtp`. */
      srtp: SrtpMode.default('optional'),
      /**
       * Run the media plane thread (relays and mixers) at real-time priority (SCHED_RR 10), so its
       * 20 ms tick and the rooms' audio never wait behind other work for a core. Needs CAP_SYS_NICE.
       */
      realtime: z.boolean().default(false),
    })
    .default({
      rtpPorts: { min: 40000, max: 49999 },
      relayPorts: { min: 30000, max: 30999 },
      announcedAddress: '127.0.0.1',
      listenAddress: '127.0.0.1',
      srtp: 'optional',
      realtime: false,
    }),
  api: z
    .strictObject({
      host: Host.default('127.0.0.1'),
      port: Port.default(7443),
      tls: z.strictObject({ cert: z.string(), key: z.string() }).optional(),
      /** Base URL put in join links (default http(s)://host:port). */
      publicUrl: z.string().url().optional(),
    })
    .default({ host: '127.0.0.1', port: 7443 }),
  health: z
    .strictObject({
      intervalSeconds: z.number().min(1).max(3600).default(10),
      timeoutMs: z.number().int().min(100).max(30000).default(2000),
      concurrency: z.number().int().min(1).max(1000).default(64),
      degradedRttMs: z.number().int().min(1).default(300),
      alarm: z
        .strictObject({
          command: z.string().optional(),
          webhook: z.string().url().optional(),
          minIntervalSeconds: z.number().min(0).default(60),
        })
        .optional(),
    })
    .default({ intervalSeconds: 10, timeoutMs: 2000, concurrency: 64, degradedRttMs: 300 }),
  scheduler: z
    .strictObject({
      preflightLeadMinutes: z
        .number()
        .min(0)
        .max(24 * 60)
        .default(15),
      graceMinutes: z
        .number()
        .min(0)
        .max(24 * 60)
        .default(10),
      maxConcurrentConferences: z.number().int().min(1).default(8),
      maxLegs: z.number().int().min(1).default(200),
    })
    .default({ preflightLeadMinutes: 15, graceMinutes: 10, maxConcurrentConferences: 8, maxLegs: 200 }),
  /** Recordings (录制): where, how long they are kept, how much disk they may use. */
  recording: z
    .strictObject({
      /** Folder of the recordings; default <data dir>/recordings. Checked writable at each start. */
      dir: z.string().trim().min(1).optional(),
      /** Recordings older than this many days are deleted by the daemon (0: kept forever). */
      maxDays: z.number().min(0).max(36500).default(0),
      /** The recordings together may take at most this many GB; the oldest go first (0: no limit). */
      maxGb: z.number().min(0).max(1_000_000).default(0),
      /** Recording stops (the meeting goes on) when the disk would have less than this many MB free. */
      reserveMb: z.number().min(0).max(1_000_000).default(1024),
    })
    .default({ maxDays: 0, maxGb: 0, reserveMb: 1024 }),
  /** Live streaming (直播): how rtmps:// pushes check the server. */
  live: z
    .strictObject({
      /** rtmps:// pushes trust only this CA file (PEM) instead of the system's CAs (a private platform). */
      rtmpsCaFile: z.string().trim().min(1).optional(),
      /** false: rtmps:// pushes accept any certificate — still encrypted, but a man in the middle is not
       *  noticed. Only for a server whose certificate cannot be checked. */
      rtmpsVerify: z.boolean().default(true),
    })
    .default({ rtmpsVerify: true }),
  logging: z
    .strictObject({
      level: z.enum(['trace', 'debug', 'info', 'warn', 'error', 'fatal']).default('info'),
      file: z.string().optional(),
    })
    .default({ level: 'info' }),
  groups: z.array(Group).default([]),
  operators: z.array(Operator).min(1, say('config.noOperator')),
  endpoints: z.array(Endpoint).default([]),
  templates: z.array(Template).default([]),
});
export type SiteConfig = z.infer<typeof SiteConfig>;
