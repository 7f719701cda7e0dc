import { existsSync, statSync } from 'node:fs';
import { resolve } from 'node:path';
import { say } from '../../protocol/index.js';
import { VcError } from '../errors.js';
import { TEMPLATE_LAYOUT_PANES, type SiteConfig, type Template } from './schema.js';
import { parseSipUri, defaultPort } from './uri.js';
import { isDemoTokenHash, isLoopbackHost } from './tokens.js';

// Cross-field rules that zod cannot express field by field. Each finding carries the path of the
// field it is about, so load.ts can name the line in the YAML file.

export type ConfigPath = (string | number)[];

export interface ConfigFinding {
  path: ConfigPath;
  message: string;
}

export interface ValidationResult {
  errors: ConfigFinding[];
  warnings: ConfigFinding[];
}

export interface ValidateOptions {
  /** Environment used to resolve `env:NAME` secrets (default process.env). */
  env?: Record<string, string | undefined>;
  /** Directory that relative TLS file paths are resolved against (the config file's folder). */
  baseDir?: string;
}

const ENV_PREFIX = 'env:';
const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** The variable name of an `env:NAME` secret, or undefined for a literal secret. */
export function secretEnvName(value: string): string | undefined {
  return value.startsWith(ENV_PREFIX) ? value.slice(ENV_PREFIX.length) : undefined;
}

/** The secret itself: a literal value, or the content of the variable named by `env:NAME`. */
export function resolveSecret(value: string, env: Record<string, string | undefined> = process.env): string {
  const name = secretEnvName(value);
  if (name === undefined) return value;
  if (!ENV_NAME.test(name)) throw new VcError('CONFIG_INVALID', say('config.secretName', { value }));
  const v = env[name];
  if (v === undefined || v === '') throw new VcError('CONFIG_INVALID', say('config.secretUnsetNeeded', { name }));
  return v;
}

/** An endpoint's credentials with the secret resolved, as the SIP layer's digest code wants them. */
export function resolveCredentials(
  c: { username: string; password: string; realm?: string } | undefined,
): { username: string; password: string; realm?: string } | undefined {
  return c
    ? { username: c.username, password: resolveSecret(c.password), ...(c.realm ? { realm: c.realm } : {}) }
    : undefined;
}

const ANY_HOST = new Set(['0.0.0.0', '::', '[::]']);

/** Two binds collide when they name the same host or either one is the wildcard address. */
function hostsOverlap(a: string, b: string): boolean {
  return a === b || ANY_HOST.has(a) || ANY_HOST.has(b);
}

function inRange(port: number, r: { min: number; max: number }): boolean {
  return port >= r.min && port <= r.max;
}

export function validateConfig(c: SiteConfig, opts: ValidateOptions = {}): ValidationResult {
  const env = opts.env ?? process.env;
  const errors: ConfigFinding[] = [];
  const warnings: ConfigFinding[] = [];
  const err = (path: ConfigPath, message: string): void => void errors.push({ path, message });
  const warn = (path: ConfigPath, message: string): void => void warnings.push({ path, message });

  // ---- groups
  const groupIndex = new Map<string, number>();
  c.groups.forEach((g, i) => {
    const first = groupIndex.get(g.id);
    if (first !== undefined) err(['groups', i, 'id'], say('config.dupGroup', { id: g.id, first }));
    else groupIndex.set(g.id, i);
  });

  // ---- endpoints
  const endpointIndex = new Map<string, number>();
  const addressOwner = new Map<string, string>();
  const upstreams: number[] = [];
  c.endpoints.forEach((e, i) => {
    const at = (...rest: ConfigPath): ConfigPath => ['endpoints', i, ...rest];
    const first = endpointIndex.get(e.id);
    if (first !== undefined) err(at('id'), say('config.dupEndpoint', { id: e.id, first }));
    else endpointIndex.set(e.id, i);
    if (groupIndex.has(e.id)) warn(at('id'), say('config.idIsGroup', { id: e.id }));

    e.groups.forEach((g, k) => {
      if (!groupIndex.has(g)) {
        const known = [...groupIndex.keys()];
        err(
          at('groups', k),
          known.length
            ? say('config.unknownGroup', { group: g, known: known.join(', ') })
            : say('config.unknownGroupNone', { group: g }),
        );
      }
    });

    if (e.kind === 'upstream') upstreams.push(i);
    if (e.pin !== undefined && e.kind !== 'upstream') warn(at('pin'), say('config.pinIgnored'));
    if (e.register && !e.credentials) err(at('register'), say('config.registerCreds'));
    if (e.challengeDialIn && !e.credentials) err(at('challengeDialIn'), say('config.challengeCreds'));
    if (e.credentials) checkSecret(e.credentials.password, at('credentials', 'password'), env, err);

    const uri = parseSipUri(e.uri);
    if (uri) {
      if (uri.scheme === 'sips' && e.transport !== 'tls')
        warn(at('transport'), say('config.sipsNotTls', { transport: e.transport }));
      const uriTransport = uri.params.transport?.toLowerCase();
      if (uriTransport !== undefined && uriTransport !== e.transport)
        warn(at('uri'), say('config.uriTransport', { uriTransport, transport: e.transport }));
      const addr = `${uri.host.toLowerCase()}:${defaultPort(uri)}`;
      const owner = addressOwner.get(addr);
      // dial-ins are matched to endpoints by source address: two endpoints on one address are ambiguous
      if (owner !== undefined) warn(at('uri'), say('config.sameAddress', { owner, addr }));
      else addressOwner.set(addr, e.id);
    }
    if (e.transport === 'tls' && !c.sip.listen.some((l) => l.transport === 'tls')) {
      warn(at('transport'), say('config.tlsNoListener'));
    }
    if (e.tlsVerify === false) {
      warn(
        at('tlsVerify'),
        e.transport === 'tls'
          ? say('config.tlsUnverified')
          : say('config.tlsVerifyNoEffect', { transport: e.transport }),
      );
    }
  });
  if (upstreams.length > 1) {
    const names = upstreams.map((i) => c.endpoints[i]?.id).join(', ');
    for (const i of upstreams.slice(1)) warn(['endpoints', i, 'kind'], say('config.upstreams', { names }));
  }

  checkTemplates(c, endpointIndex, groupIndex, err);

  // ---- SIP listen sockets, API port, media port ranges
  const seenListen = new Map<string, number>();
  c.sip.listen.forEach((l, i) => {
    const key = `${l.transport}:${l.host}:${l.port}`;
    const first = seenListen.get(key);
    if (first !== undefined) err(['sip', 'listen', i], say('config.dupListen', { first }));
    else seenListen.set(key, i);
    if (l.transport === 'tls' && !c.sip.tls) err(['sip', 'listen', i, 'transport'], say('config.tlsNeedsCert'));
    // the control API is TCP: it collides with a TCP or TLS SIP listener on the same port
    if (l.transport !== 'udp' && l.port === c.api.port && hostsOverlap(l.host, c.api.host)) {
      err(['sip', 'listen', i, 'port'], say('config.apiPortClash', { port: l.port, host: l.host }));
    }
    if (hostsOverlap(l.host, c.media.listenAddress)) {
      if (inRange(l.port, c.media.rtpPorts))
        err(['sip', 'listen', i, 'port'], say('config.inRtpPorts', { port: l.port, ...c.media.rtpPorts }));
      if (inRange(l.port, c.media.relayPorts))
        err(['sip', 'listen', i, 'port'], say('config.inRelayPorts', { port: l.port, ...c.media.relayPorts }));
    }
  });
  const { rtpPorts: rtp, relayPorts: relay } = c.media;
  if (rtp.min <= relay.max && relay.min <= rtp.max) {
    err(
      ['media', 'relayPorts'],
      say('config.rangesOverlap', { relayMin: relay.min, relayMax: relay.max, rtpMin: rtp.min, rtpMax: rtp.max }),
    );
  }
  if (hostsOverlap(c.api.host, c.media.listenAddress)) {
    if (inRange(c.api.port, rtp)) err(['api', 'port'], say('config.inRtpPorts', { port: c.api.port, ...rtp }));
    if (inRange(c.api.port, relay)) err(['api', 'port'], say('config.inRelayPorts', { port: c.api.port, ...relay }));
  }

  // ---- TLS files
  const baseDir = opts.baseDir ?? process.cwd();
  for (const section of ['sip', 'api'] as const) {
    const tls = c[section].tls;
    if (!tls) continue;
    for (const which of ['cert', 'key', 'ca'] as const) {
      const file = (tls as { cert: string; key: string; ca?: string })[which];
      if (file === undefined || file.includes('-----BEGIN')) continue;
      const p = resolve(baseDir, file);
      if (!existsSync(p)) err([section, 'tls', which], say('config.fileMissing', { path: p }));
      else if (!statSync(p).isFile()) err([section, 'tls', which], say('config.notAFile', { path: p }));
    }
  }

  // ---- operators
  const opNames = new Map<string, number>();
  const opHashes = new Map<string, number>();
  c.operators.forEach((o, i) => {
    const firstName = opNames.get(o.name);
    if (firstName !== undefined)
      err(['operators', i, 'name'], say('config.dupOperator', { name: o.name, first: firstName }));
    else opNames.set(o.name, i);
    const firstHash = opHashes.get(o.tokenHash);
    if (firstHash !== undefined) {
      err(
        ['operators', i, 'tokenHash'],
        say('config.sameToken', { first: firstHash, name: c.operators[firstHash]?.name ?? '' }),
      );
    } else opHashes.set(o.tokenHash, i);
    if (isDemoTokenHash(o.tokenHash) && !isLoopbackHost(c.api.host)) {
      warn(['operators', i, 'tokenHash'], say('config.demoToken', { host: c.api.host }));
    }
  });

  // ---- health
  if (c.health.timeoutMs >= c.health.intervalSeconds * 1000) {
    warn(['health', 'timeoutMs'], say('config.probeTimeout', { ms: c.health.timeoutMs, s: c.health.intervalSeconds }));
  }

  return { errors, warnings };
}

const unknownSite = (id: string, known: string): string =>
  known ? say('config.unknownSite', { id, known }) : say('config.unknownSiteNone', { id });
const unknownGroup = (group: string, known: string): string =>
  known ? say('config.unknownGroup', { group, known }) : say('config.unknownGroupKnownNone', { group });

/** Templates may name only sites and groups the config defines, and must name someone. */
function checkTemplates(
  c: SiteConfig,
  endpoints: Map<string, number>,
  groups: Map<string, number>,
  err: (p: ConfigPath, m: string) => void,
): void {
  const seen = new Map<string, number>();
  const known = (m: Map<string, number>): string => [...m.keys()].slice(0, 12).join(', ') + (m.size > 12 ? ', …' : '');
  c.templates.forEach((t, i) => {
    const at = (...rest: ConfigPath): ConfigPath => ['templates', i, ...rest];
    const first = seen.get(t.id);
    if (first !== undefined) err(at('id'), say('config.dupTemplate', { id: t.id, first }));
    else seen.set(t.id, i);
    t.endpoints.forEach((id, k) => {
      if (!endpoints.has(id)) err(at('endpoints', k), unknownSite(id, known(endpoints)));
    });
    t.groups.forEach((g, k) => {
      if (!groups.has(g)) err(at('groups', k), unknownGroup(g, known(groups)));
    });
    for (const role of ['chair', 'upstream'] as const) {
      const id = t[role];
      if (id === undefined) continue;
      const e = c.endpoints[endpoints.get(id) ?? -1];
      if (!e) err(at(role), unknownSite(id, known(endpoints)));
      else if (role === 'upstream' && e.kind !== 'upstream')
        err(at(role), say('config.notUpstream', { id, kind: e.kind }));
    }
    if (t.endpoints.length === 0 && t.groups.length === 0 && t.upstream === undefined && t.chair === undefined) {
      err(at('endpoints'), say('config.templateEmpty'));
    }
    if (t.polling) checkTemplatePolling(t, endpoints, groups, (rest, m) => err(at('polling', ...rest), m), known);
  });
}

/** A template's polling may name only known sites and groups, and a pane its layout has. */
function checkTemplatePolling(
  t: Template,
  endpoints: Map<string, number>,
  groups: Map<string, number>,
  err: (p: ConfigPath, m: string) => void,
  known: (m: Map<string, number>) => string,
): void {
  const p = t.polling!;
  p.sites?.forEach((id, k) => {
    if (!endpoints.has(id)) err(['sites', k], unknownSite(id, known(endpoints)));
  });
  if (p.group !== undefined && !groups.has(p.group)) err(['group'], unknownGroup(p.group, known(groups)));
  if (p.sites !== undefined && p.group !== undefined) err(['group'], say('config.sitesOrGroup'));
  if (p.target !== undefined && !endpoints.has(p.target)) err(['target'], unknownSite(p.target, known(endpoints)));
  if (p.pane === undefined) return;
  const layout = t.layout ?? 'off';
  const max = TEMPLATE_LAYOUT_PANES[layout];
  if (p.target !== undefined) err(['pane'], say('config.paneTarget'));
  else if (max === 0) err(['pane'], say('config.paneNoLayout'));
  else if (p.pane > max) err(['pane'], say('config.paneRange', { pane: p.pane, layout, max }));
}

function checkSecret(
  value: string,
  path: ConfigPath,
  env: Record<string, string | undefined>,
  err: (p: ConfigPath, m: string) => void,
): void {
  const name = secretEnvName(value);
  if (name === undefined) return;
  if (!ENV_NAME.test(name)) err(path, say('config.secretName', { value: `env:${name}` }));
  else if (env[name] === undefined || env[name] === '') err(path, say('config.secretUnset', { name }));
}
