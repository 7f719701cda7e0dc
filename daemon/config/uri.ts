import { isIPv4, isIPv6 } from 'node:net';

// A small, strict parser for the SIP URIs found in the site config and in SIP headers
// (RFC 3261 §19.1). Pure: returns null instead of throwing, so callers decide what an
// unparsable URI means to them (config error, 400 Bad Request, ...).

export type SipScheme = 'sip' | 'sips';
export type SipHostType = 'ipv4' | 'ipv6' | 'hostname';

export interface SipUri {
  scheme: SipScheme;
  user?: string;
  /** Present only when the URI carried one (deprecated by RFC 3261, kept for completeness). */
  password?: string;
  /** Host as written, without the brackets of an IPv6 literal. */
  host: string;
  hostType: SipHostType;
  port?: number;
  /** URI parameters (";transport=tcp;lr"); names lower-cased, a flag parameter maps to "". */
  params: Record<string, string>;
  /** Header fields after "?" (rarely used; kept raw, unescaped). */
  headers: Record<string, string>;
}

// userinfo characters: unreserved / escaped / user-unreserved (RFC 3261 §25.1)
const USER_RE = /^(?:[A-Za-z0-9\-_.!~*'()&=+$,;?/]|%[0-9A-Fa-f]{2})+$/;
const PASSWORD_RE = /^(?:[A-Za-z0-9\-_.!~*'()&=+$,]|%[0-9A-Fa-f]{2})*$/;
const LABEL_RE = /^[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?$/;
const TOKEN_RE = /^[A-Za-z0-9\-.!%*_+`'~[\]/:&$]+$/;

function safeDecode(s: string): string | null {
  try {
    return decodeURIComponent(s);
  } catch {
    // a malformed %-escape makes the whole URI invalid; the caller sees null
    return null;
  }
}

export function isValidHostname(host: string): boolean {
  if (host.length === 0 || host.length > 253) return false;
  const labels = (host.endsWith('.') ? host.slice(0, -1) : host).split('.');
  if (!labels.every((l) => LABEL_RE.test(l))) return false;
  // a name made only of digits and dots is a mistyped IPv4 address, not a hostname
  return !/^[0-9.]+$/.test(host);
}

function parseHostPort(hp: string): { host: string; hostType: SipHostType; port?: number } | null {
  let host: string;
  let portText: string | undefined;
  let hostType: SipHostType;
  if (hp.startsWith('[')) {
    const end = hp.indexOf(']');
    if (end < 0) return null;
    host = hp.slice(1, end);
    if (!isIPv6(host)) return null;
    hostType = 'ipv6';
    const rest = hp.slice(end + 1);
    if (rest !== '') {
      if (!rest.startsWith(':')) return null;
      portText = rest.slice(1);
    }
  } else {
    const colon = hp.indexOf(':');
    host = colon < 0 ? hp : hp.slice(0, colon);
    if (colon >= 0) portText = hp.slice(colon + 1);
    if (isIPv4(host)) hostType = 'ipv4';
    else if (isValidHostname(host)) hostType = 'hostname';
    else return null;
  }
  if (portText === undefined) return { host, hostType };
  if (!/^[0-9]{1,5}$/.test(portText)) return null;
  const port = Number(portText);
  if (port < 1 || port > 65535) return null;
  return { host, hostType, port };
}

/** Parse `sip:` / `sips:` URIs: `sip:user@host[:port][;params][?headers]`. Null when invalid. */
export function parseSipUri(input: string): SipUri | null {
  const s = input.trim();
  const m = /^(sips?):(.+)$/i.exec(s);
  if (!m || m[1] === undefined || m[2] === undefined) return null;
  const scheme = m[1].toLowerCase() as SipScheme;
  let rest = m[2];

  const headers: Record<string, string> = {};
  const q = rest.indexOf('?');
  if (q >= 0) {
    for (const h of rest.slice(q + 1).split('&')) {
      const eq = h.indexOf('=');
      if (eq <= 0) return null;
      const value = safeDecode(h.slice(eq + 1));
      if (value === null) return null;
      headers[h.slice(0, eq)] = value;
    }
    rest = rest.slice(0, q);
  }

  // userinfo may itself contain ';' so split at the last '@' first
  let user: string | undefined;
  let password: string | undefined;
  const at = rest.lastIndexOf('@');
  if (at >= 0) {
    const userinfo = rest.slice(0, at);
    rest = rest.slice(at + 1);
    const colon = userinfo.indexOf(':');
    const rawUser = colon < 0 ? userinfo : userinfo.slice(0, colon);
    if (!USER_RE.test(rawUser)) return null;
    const decoded = safeDecode(rawUser);
    if (decoded === null) return null;
    user = decoded;
    if (colon >= 0) {
      const rawPassword = userinfo.slice(colon + 1);
      if (!PASSWORD_RE.test(rawPassword)) return null;
      const decodedPassword = safeDecode(rawPassword);
      if (decodedPassword === null) return null;
      password = decodedPassword;
    }
  }

  const parts = rest.split(';');
  const hp = parseHostPort(parts[0] ?? '');
  if (!hp) return null;
  const params: Record<string, string> = {};
  for (const p of parts.slice(1)) {
    if (p === '') return null;
    const eq = p.indexOf('=');
    const name = (eq < 0 ? p : p.slice(0, eq)).toLowerCase();
    const value = eq < 0 ? '' : p.slice(eq + 1);
    if (!TOKEN_RE.test(name) || (eq >= 0 && !TOKEN_RE.test(value))) return null;
    params[name] = value;
  }

  const uri: SipUri = { scheme, host: hp.host, hostType: hp.hostType, params, headers };
  if (user !== undefined) uri.user = user;
  if (password !== undefined) uri.password = password;
  if (hp.port !== undefined) uri.port = hp.port;
  return uri;
}

/** `host:port` for the socket layer, bracketing IPv6 literals. */
export function formatHostPort(host: string, port?: number): string {
  const h = isIPv6(host) ? `[${host}]` : host;
  return port === undefined ? h : `${h}:${port}`;
}

/** The port a URI implies: its own, else 5061 for sips and 5060 for sip. */
export function defaultPort(uri: SipUri): number {
  return uri.port ?? (uri.scheme === 'sips' ? 5061 : 5060);
}
