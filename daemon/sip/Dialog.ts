// RFC 3261 §12 dialog state: identifiers, CSeq counters, remote target and route set, and the
// requests built inside the dialog.
import { randomInt } from 'node:crypto';
import { VcError } from '../errors.js';
import { say } from '../../protocol/index.js';
import type { NameAddr, SipMessage } from './sipLibrary.js';
import { routableUri, tagOf, uriString, type SipTransport } from './message.js';
import { dialogKey } from './SipCore.js';

export interface DialogInit {
  callId: string;
  localTag: string;
  remoteTag: string;
  local: NameAddr;
  remote: NameAddr;
  remoteTarget: string;
  routeSet: NameAddr[];
  localSeq: number;
  remoteSeq?: number;
  transport: SipTransport;
  contact: NameAddr;
}

export class Dialog {
  readonly callId: string;
  readonly localTag: string;
  readonly remoteTag: string;
  readonly local: NameAddr;
  readonly remote: NameAddr;
  readonly transport: SipTransport;
  readonly routeSet: readonly NameAddr[];
  readonly contact: NameAddr;
  remoteTarget: string;
  localSeq: number;
  remoteSeq: number | undefined;

  constructor(init: DialogInit) {
    this.callId = init.callId;
    this.localTag = init.localTag;
    this.remoteTag = init.remoteTag;
    this.local = { ...init.local, params: { ...init.local.params, tag: init.localTag } };
    this.remote = { ...init.remote, params: { ...init.remote.params, tag: init.remoteTag } };
    this.remoteTarget = init.remoteTarget;
    this.routeSet = init.routeSet;
    this.localSeq = init.localSeq;
    this.remoteSeq = init.remoteSeq;
    this.transport = init.transport;
    this.contact = init.contact;
  }

  /** The dialog a UAC gets from the 2xx (or 1xx with tag) to its INVITE. */
  static asUac(invite: SipMessage, rs: SipMessage, transport: SipTransport, contact: NameAddr): Dialog {
    const rr = rs.headers['record-route'] ?? [];
    return new Dialog({
      callId: String(invite.headers['call-id']),
      localTag: tagOf(invite.headers.from)!,
      remoteTag: tagOf(rs.headers.to) ?? '',
      local: invite.headers.from!,
      remote: rs.headers.to!,
      remoteTarget: contactUri(rs) ?? uriString(invite.uri!),
      routeSet: [...rr].reverse().map(copyNameAddr),
      localSeq: invite.headers.cseq!.seq,
      transport,
      contact,
    });
  }

  /** The dialog a UAS creates when it answers an INVITE. */
  static asUas(invite: SipMessage, localTag: string, transport: SipTransport, contact: NameAddr): Dialog {
    const rr = invite.headers['record-route'] ?? [];
    return new Dialog({
      callId: String(invite.headers['call-id']),
      localTag,
      remoteTag: tagOf(invite.headers.from) ?? '',
      local: invite.headers.to!,
      remote: invite.headers.from!,
      // no Contact: an RFC 2543 peer, reached at its From URI
      remoteTarget: contactUri(invite) ?? uriString(invite.headers.from!.uri),
      routeSet: rr.map(copyNameAddr),
      localSeq: randomInt(1, 10_000),
      remoteSeq: invite.headers.cseq!.seq,
      transport,
      contact,
    });
  }

  get key(): string {
    return dialogKey(this.callId, this.localTag);
  }

  /** Does this in-dialog request belong here (From tag = the remote tag)? */
  matches(req: SipMessage): boolean {
    return tagOf(req.headers.from) === this.remoteTag;
  }

  /**
   * RFC 3261 12.2.2: a request with a CSeq lower than the last one is out of order (answer 500).
   * ACK and CANCEL reuse the INVITE's number and are not checked.
   */
  acceptRemoteSeq(req: SipMessage): boolean {
    if (req.method === 'ACK' || req.method === 'CANCEL') return true;
    const seq = req.headers.cseq!.seq;
    if (this.remoteSeq !== undefined && seq <= this.remoteSeq) return false;
    this.remoteSeq = seq;
    return true;
  }

  /** A target refresh (re-INVITE, UPDATE or their 2xx) may carry a new Contact. */
  refreshTarget(m: SipMessage): void {
    const c = contactUri(m);
    if (c) this.remoteTarget = c;
  }

  /** A new request in this dialog (ACK: pass the INVITE's CSeq number). */
  request(method: string, opts: { seq?: number; headers?: Record<string, unknown> } = {}): SipMessage {
    if (!this.remoteTarget) throw new VcError('SIP_FAILED', say('sip.noRemoteTarget', { callId: this.callId }));
    const uri = routableUri(this.remoteTarget, this.transport, 'remoteTarget');
    const seq = opts.seq ?? ++this.localSeq;
    const m: SipMessage = {
      method,
      uri,
      headers: {
        to: { ...this.remote, params: { ...this.remote.params } },
        from: { ...this.local, params: { ...this.local.params } },
        'call-id': this.callId,
        cseq: { seq, method },
        'max-forwards': '70',
        ...(this.routeSet.length ? { route: this.routeSet.map(copyNameAddr) } : {}),
        ...(method === 'ACK' ? { via: [] } : {}),
        ...(method !== 'ACK' && method !== 'CANCEL' ? { contact: [this.contact] } : {}),
        ...opts.headers,
      },
    };
    return m;
  }
}

export function contactUri(m: SipMessage): string | undefined {
  const c = m.headers.contact;
  if (!Array.isArray(c) || c.length === 0) return undefined;
  return uriString(c[0]!.uri);
}

function copyNameAddr(na: NameAddr): NameAddr {
  return { name: na.name, uri: uriString(na.uri), params: { ...na.params } };
}
