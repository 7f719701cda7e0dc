import { existsSync, statSync } from 'node:fs';
import { resolve } from 'node:path';
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
  if (!ENV_NAME.test(name))
    throw new VcError('CONFIG_INVALID', `"${value}" does not name an environment variable (expected env:NAME)`);
  const v = env[name];
  if (v === undefined || v === '')
    throw new VcError(
      'CONFIG_INVALID',
      `environment variable ${name} is not set (needed by a secret written as env:${name})`,
    );
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
    if (first !== undefined)
      err(['groups', i, 'id'], `duplicate group id "${g.id}" (already used by groups[${first}])`);
    else groupIndex.set(g.id, i);
  });

  // ---- endpoints
  const endpointIndex = new Map<string, number>();
  const addressOwner = new Map<string, string>();
  const upstreams: number[] = [];
  c.endpoints.forEach((e, i) => {
    const at = (...rest: ConfigPath): ConfigPath => ['endpoints', i, ...rest];
    const first = endpointIndex.get(e.id);
    if (first !== undefined) err(at('id'), `duplicate endpoint id "${e.id}" (already used by endpoints[${first}])`);
    else endpointIndex.set(e.id, i);
    if (groupIndex.has(e.id))
      warn(at('id'), `endpoint id "${e.id}" is also a group id; commands that take either will pick the endpoint`);

    e.groups.forEach((g, k) => {
      if (!groupIndex.has(g)) {
        const known = [...groupIndex.keys()];
        err(
          at('groups', k),
          `unknown group "${g}" (${known.length ? `known: ${known.join(', ')}` : 'no groups are defined'})`,
        );
      }
    });

    if (e.kind === 'upstream') upstreams.push(i);
    if (e.pin !== undefined && e.kind !== 'upstream')
      warn(at('pin'), 'a DTMF PIN is only sent to the upstream; it is ignored here');
    if (e.register && !e.credentials)
      err(at('register'), 'register needs credentials (username and password) on this endpoint');
    if (e.challengeDialIn && !e.credentials)
      err(at('challengeDialIn'), 'challengeDialIn needs credentials on this endpoint to check the dial-in against');
    if (e.credentials) checkSecret(e.credentials.password, at('credentials', 'password'), env, err);

    const uri = parseSipUri(e.uri);
    if (uri) {
      if (uri.scheme === 'sips' && e.transport !== 'tls')
        warn(at('transport'), `a sips: URI is dialled over TLS, but transport is ${e.transport}`);
      const uriTransport = uri.params.transport?.toLowerCase();
      if (uriTransport !== undefined && uriTransport !== e.transport)
        warn(at('uri'), `the URI says transport=${uriTransport} but the endpoint's transport is ${e.transport}`);
      const addr = `${uri.host.toLowerCase()}:${defaultPort(uri)}`;
      const owner = addressOwner.get(addr);
      // dial-ins are matched to endpoints by source address: two endpoints on one address are ambiguous
      if (owner !== undefined)
        warn(at('uri'), `same host and port as endpoint "${owner}"; dial-ins from ${addr} cannot be told apart`);
      else addressOwner.set(addr, e.id);
    }
    if (e.transport === 'tls' && !c.sip.listen.some((l) => l.transport === 'tls')) {
      warn(at('transport'), 'transport tls, but sip.listen has no tls entry');
    }
    if (e.tlsVerify === false) {
      warn(
        at('tlsVerify'),
        e.transport === 'tls'
          ? 'the certificate of this room is not verified: anyone on the path can pose as it and read the signalling (SRTP keys included)'
          : `tlsVerify: false has no effect on transport ${e.transport}`,
      );
    }
  });
  if (upstreams.length > 1) {
    const names = upstreams.map((i) => c.endpoints[i]?.id).join(', ');
    for (const i of upstreams.slice(1))
      warn(['endpoints', i, 'kind'], `more than one upstream (${names}); a meeting links to one upstream at a time`);
  }

  checkTemplates(c, endpointIndex, groupIndex, err);

  // ---- SIP listen sockets, API port, media port ranges
  const seenListen = new Map<string, number>();
  c.sip.listen.forEach((l, i) => {
    const key = `${l.transport}:${l.host}:${l.port}`;
    const first = seenListen.get(key);
    if (first !== undefined) err(['sip', 'listen', i], `same transport, host and port as sip.listen[${first}]`);
    else seenListen.set(key, i);
    if (l.transport === 'tls' && !c.sip.tls)
      err(['sip', 'listen', i, 'transport'], 'a tls listener needs sip.tls (cert and key)');
    // the control API is TCP: it collides with a TCP or TLS SIP listener on the same port
    if (l.transport !== 'udp' && l.port === c.api.port && hostsOverlap(l.host, c.api.host)) {
      err(['sip', 'listen', i, 'port'], `port ${l.port} on ${l.host} is also the control API's port (api.port)`);
    }
    if (hostsOverlap(l.host, c.media.listenAddress)) {
      if (inRange(l.port, c.media.rtpPorts))
        err(
          ['sip', 'listen', i, 'port'],
          `port ${l.port} lies inside media.rtpPorts ${c.media.rtpPorts.min}-${c.media.rtpPorts.max}`,
        );
      if (inRange(l.port, c.media.relayPorts))
        err(
          ['sip', 'listen', i, 'port'],
          `port ${l.port} lies inside media.relayPorts ${c.media.relayPorts.min}-${c.media.relayPorts.max}`,
        );
    }
  });
  const { rtpPorts: rtp, relayPorts: relay } = c.media;
  if (rtp.min <= relay.max && relay.min <= rtp.max) {
    err(['media', 'relayPorts'], `relayPorts ${relay.min}-${relay.max} overlap rtpPorts ${rtp.min}-${rtp.max}`);
  }
  if (hostsOverlap(c.api.host, c.media.listenAddress)) {
    if (inRange(c.api.port, rtp))
      err(['api', 'port'], `port ${c.api.port} lies inside media.rtpPorts ${rtp.min}-${rtp.max}`);
    if (inRange(c.api.port, relay))
      err(['api', 'port'], `port ${c.api.port} lies inside media.relayPorts ${relay.min}-${relay.max}`);
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
      if (!existsSync(p)) err([section, 'tls', which], `file not found: ${p}`);
      else if (!statSync(p).isFile()) err([section, 'tls', which], `not a regular file: ${p}`);
    }
  }

  // ---- operators
  const opNames = new Map<string, number>();
  const opHashes = new Map<string, number>();
  c.operators.forEach((o, i) => {
    const firstName = opNames.get(o.name);
    if (firstName !== undefined)
      err(['operators', i, 'name'], `duplicate operator name "${o.name}" (already used by operators[${firstName}])`);
    else opNames.set(o.name, i);
    const firstHash = opHashes.get(o.tokenHash);
    if (firstHash !== undefined) {
      err(
        ['operators', i, 'tokenHash'],
        `same token as operators[${firstHash}] ("${c.operators[firstHash]?.name}"); every operator needs their own token`,
      );
    } else opHashes.set(o.tokenHash, i);
    if (isDemoTokenHash(o.tokenHash) && !isLoopbackHost(c.api.host)) {
      warn(
        ['operators', i, 'tokenHash'],
        `this is the published demo token and api.host ${c.api.host} is not loopback: anyone who can reach it can control the bridge`,
      );
    }
  });

  // ---- health
  if (c.health.timeoutMs >= c.health.intervalSeconds * 1000) {
    warn(
      ['health', 'timeoutMs'],
      `timeout ${c.health.timeoutMs} ms is not shorter than the probe interval (${c.health.intervalSeconds} s)`,
    );
  }

  return { errors, warnings };
}

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
    if (first !== undefined) err(at('id'), `duplicate template id "${t.id}" (already used by templates[${first}])`);
    else seen.set(t.id, i);
    t.endpoints.forEach((id, k) => {
      if (!endpoints.has(id)) err(at('endpoints', k), `unknown site "${id}" (known: ${known(endpoints) || 'none'})`);
    });
    t.groups.forEach((g, k) => {
      if (!groups.has(g)) err(at('groups', k), `unknown group "${g}" (known: ${known(groups) || 'none'})`);
    });
    for (const role of ['chair', 'upstream'] as const) {
      const id = t[role];
      if (id === undefined) continue;
      const e = c.endpoints[endpoints.get(id) ?? -1];
      if (!e) err(at(role), `unknown site "${id}" (known: ${known(endpoints) || 'none'})`);
      else if (role === 'upstream' && e.kind !== 'upstream')
        err(at(role), `"${id}" is a ${e.kind} site, not an upstream link`);
    }
    if (t.endpoints.length === 0 && t.groups.length === 0 && t.upstream === undefined && t.chair === undefined) {
      err(at('endpoints'), 'the template names no site: give endpoints, groups, a chair or an upstream');
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
    if (!endpoints.has(id)) err(['sites', k], `unknown site "${id}" (known: ${known(endpoints) || 'none'})`);
  });
  if (p.group !== undefined && !groups.has(p.group))
    err(['group'], `unknown group "${p.group}" (known: ${known(groups) || 'none'})`);
  if (p.sites !== undefined && p.group !== undefined) err(['group'], 'give sites or group, not both');
  if (p.target !== undefined && !endpoints.has(p.target))
    err(['target'], `unknown site "${p.target}" (known: ${known(endpoints) || 'none'})`);
  if (p.pane === undefined) return;
  const layout = t.layout ?? 'off';
  const max = TEMPLATE_LAYOUT_PANES[layout];
  if (p.target !== undefined)
    err(
      ['pane'],
      "a pane with a target needs the target's own layout, which a template does not set: drop target or pane",
    );
  else if (max === 0) err(['pane'], 'polling a pane needs a multi-picture layout: give the template a layout');
  else if (p.pane > max) err(['pane'], `pane ${p.pane} is out of range: layout ${layout} has panes 1-${max}`);
}

function checkSecret(
  value: string,
  path: ConfigPath,
  env: Record<string, string | undefined>,
  err: (p: ConfigPath, m: string) => void,
): void {
  const name = secretEnvName(value);
  if (name === undefined) return;
  if (!ENV_NAME.test(name)) err(path, `"env:${name}" does not name an environment variable (expected env:NAME)`);
  else if (env[name] === undefined || env[name] === '')
    err(path, `environment variable ${name} is not set (the secret is written as env:${name})`);
}
