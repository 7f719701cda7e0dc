// Small helpers over the library's message objects: ids, header access, bodies, URIs, targets.
import { randomBytes } from 'node:crypto';
import { isIP } from 'node:net';
import { VcError } from '../errors.js';
import { say } from '../../protocol/index.js';
import {
  parseAOR,
  parseUri,
  stringifyUri,
  type NameAddr,
  type Remote,
  type SipMessage,
  type SipUri,
} from './sipLibrary.js';

export type { SipMessage, NameAddr, SipUri };
export { parseUri, stringifyUri };

export type SipTransport = 'udp' | 'tcp' | 'tls';

/** Where to send: a SIP URI and the transport to use for it. */
export interface SipTarget {
  uri: string;
  transport: SipTransport;
}

/** Where a message came from. */
export interface SipSource {
  address: string;
  port: number;
  transport: SipTransport;
}

export const ALLOW = 'INVITE, ACK, CANCEL, BYE, OPTIONS, INFO, UPDATE';
export const KNOWN_METHODS = new Set([
  'INVITE',
  'ACK',
  'CANCEL',
  'BYE',
  'OPTIONS',
  'INFO',
  'UPDATE',
  'PRACK',
  'REGISTER',
  'SUBSCRIBE',
  'NOTIFY',
  'PUBLISH',
  'MESSAGE',
  'REFER',
]);

/** One SIP message the stack sent or received (metrics). Library retransmissions are not seen. */
export interface SipMessageSeen {
  direction: 'in' | 'out';
  /** The request's method, or the CSeq method of a response; 'other' for unknown ones (bounded labels). */
  method: string;
  /** Responses only. */
  status?: number;
}

export function seenOf(direction: 'in' | 'out', m: SipMessage): SipMessageSeen {
  const raw = m.method ?? m.headers.cseq?.method ?? 'other';
  const method = KNOWN_METHODS.has(raw) ? raw : 'other';
  return m.status === undefined ? { direction, method } : { direction, method, status: m.status };
}
export const SUPPORTED = 'timer';
export const ACCEPT = 'application/sdp, application/dtmf-relay, application/media_control+xml';

export function newTag(): string {
  return randomBytes(6).toString('hex');
}

export function newCallId(): string {
  return randomBytes(16).toString('hex');
}

/** A branch for requests we build ourselves (ACK for 2xx needs a new one). */
export function newBranch(): string {
  return 'z9hG4bK' + randomBytes(12).toString('hex');
}

/** A generic (string) header, trimmed; undefined when absent. */
export function header(m: SipMessage, name: string): string | undefined {
  const v = m.headers[name];
  return typeof v === 'string' ? v.trim() : undefined;
}

/** Comma-separated tokens of a header, lower-cased (Supported, Require, Allow). */
export function tokens(m: SipMessage, name: string): string[] {
  const v = header(m, name);
  return v
    ? v
        .split(',')
        .map((t) => t.trim().toLowerCase())
        .filter(Boolean)
    : [];
}

/** The body as text (the library keeps bodies as latin1 strings, one char per byte). */
export function bodyText(m: SipMessage): string {
  return m.content ? Buffer.from(m.content, 'latin1').toString('utf8') : '';
}

/** Set a body from text; Content-Length follows from the byte length. */
export function setBody(m: SipMessage, text: string | undefined, contentType: string): void {
  if (text === undefined || text === '') {
    m.content = '';
    delete m.headers['content-type'];
    return;
  }
  m.content = Buffer.from(text, 'utf8').toString('latin1');
  m.headers['content-type'] = contentType;
}

export function contentType(m: SipMessage): string {
  return (header(m, 'content-type') ?? '').split(';')[0]!.trim().toLowerCase();
}

export function uriString(u: string | SipUri): string {
  return typeof u === 'string' ? u : stringifyUri(u);
}

export function tagOf(na: NameAddr | undefined): string | undefined {
  const t = na?.params?.tag;
  return typeof t === 'string' && t.length > 0 ? t : undefined;
}

export function sourceOf(remote: Remote): SipSource {
  const p = remote.protocol.toLowerCase();
  const address = remote.address.startsWith('::ffff:') ? remote.address.slice(7) : remote.address;
  return { address, port: remote.port, transport: p === 'tcp' || p === 'tls' ? p : 'udp' };
}

/** Parse `"Name" <sip:user@host>` or a bare URI into a name-addr; throws VcError on garbage. */
export function parseNameAddr(s: string): NameAddr {
  let na: NameAddr;
  try {
    na = parseAOR({ s: s.trim(), i: 0 });
  } catch (e) {
    throw new VcError('USAGE', say('sip.notNameAddr', { text: s }), undefined, { cause: e });
  }
  if (!parseUri(uriString(na.uri))) throw new VcError('USAGE', say('sip.notUri', { text: s }));
  return { name: na.name, uri: uriString(na.uri), params: { ...na.params } };
}

/**
 * Header text as the library writes it: one char per byte, so UTF-8 text (a display name
 * 巩义, a Subject) must be turned into its bytes first. CR/LF become spaces.
 */
export function headerText(text: string): string {
  return Buffer.from(text.replace(/[\r\n]+/g, ' '), 'utf8').toString('latin1');
}

/** Header bytes (latin1 string) back to text. */
export function headerTextOf(raw: string): string {
  return Buffer.from(raw, 'latin1').toString('utf8');
}

/** Quote a display name for a From/To header. */
export function displayName(name: string | undefined): string | undefined {
  if (!name) return undefined;
  return headerText('"' + name.replace(/["\\]/g, (c) => '\\' + c) + '"');
}

export function isValidPort(p: number | undefined): boolean {
  return p === undefined || Number.isNaN(p) || (Number.isInteger(p) && p >= 1 && p <= 65535);
}

/** What a URI is for, as errors about it name it (templates sip.role.*). */
export type UriRole =
  'dial' | 'contact2xx' | 'remoteTarget' | 'registrar' | 'options' | 'fromNoContact' | 'contact' | 'target';

/** A SIP answer as one text ("486 Busy Here"), which the CLI can translate. */
export function answerText(status: number, reason: string | undefined): string {
  return `${status} ${reason ?? ''}`.trim();
}

/**
 * Check a URI we are about to send to and give it the transport parameter the target asks for
 * (the library picks UDP for an address with a port and no parameter). Throws VcError naming
 * what is wrong, so a bad Contact from a peer fails one call cleanly.
 */
export function routableUri(uri: string | SipUri, transport: SipTransport, role: UriRole = 'target'): SipUri {
  const u = typeof uri === 'string' ? parseUri(uri) : { ...uri, params: { ...uri.params } };
  const what = say(`sip.role.${role}`);
  if (!u) throw new VcError('SIP_FAILED', say('sip.uriNotSip', { what, uri: uriString(uri) }));
  if (!isValidPort(u.port))
    throw new VcError('SIP_FAILED', say('sip.uriBadPort', { what, port: String(u.port), uri: uriString(uri) }));
  if (!u.host) throw new VcError('SIP_FAILED', say('sip.uriNoHost', { what, uri: uriString(uri) }));
  if (transport !== 'udp' && !u.params.transport && u.schema !== 'sips') u.params = { ...u.params, transport };
  return u;
}

/** The transport a URI asks for (its transport parameter), or the fallback. */
export function uriTransport(u: SipUri, fallback: SipTransport): SipTransport {
  const t = String(u.params.transport ?? '').toLowerCase();
  if (t === 'tcp' || t === 'tls' || t === 'udp') return t;
  return u.schema === 'sips' ? 'tls' : fallback;
}

export function hostFamily(host: string): 4 | 6 | 0 {
  const f = isIP(host);
  return f === 4 || f === 6 ? f : 0;
}

/** A header value "1800;refresher=uac" → { value: 1800, params: { refresher: 'uac' } }. */
export function parseParamHeader(v: string | undefined): { value: string; params: Record<string, string> } | undefined {
  if (!v) return undefined;
  const [first, ...rest] = v.split(';');
  const params: Record<string, string> = {};
  for (const p of rest) {
    const [k, val] = p.split('=');
    if (k) params[k.trim().toLowerCase()] = (val ?? '').trim();
  }
  return { value: first!.trim(), params };
}
