// Sending a re-INVITE inside an established dialog: digest retry, 491 glare back-off (RFC 3261
// 14.1), 422 Min-SE retry, ACK for the 2xx (and again for each 2xx retransmission).
import { randomInt } from 'node:crypto';
import type { SipMessage } from './sipLibrary.js';
import type { SipCore } from './SipCore.js';
import type { Dialog } from './Dialog.js';
import { signRequest, type DigestCredentials } from './digest.js';
import { ALLOW, SUPPORTED, setBody, uriString } from './message.js';
import { minSEOf } from './SessionTimer.js';

export interface ReinviteInput {
  sdp: string;
  /** Extra headers (session timer). Called per attempt so a 422 can raise the interval. */
  headers: (minSE?: number) => Record<string, string>;
  credentials?: DigestCredentials;
  /** We created the Call-ID (we were the UAC of the dialog): decides the 491 wait range. */
  ownsCallId: boolean;
}

export interface ReinviteResult {
  response: SipMessage;
  /** Re-send the ACK (the peer retransmitted its 2xx). */
  reAck?: () => void;
}

function sleep(core: SipCore, ms: number): Promise<void> {
  return new Promise((r) => core.clock.setTimeout(r, ms));
}

export async function sendReinvite(core: SipCore, dialog: Dialog, input: ReinviteInput): Promise<ReinviteResult> {
  let glare = 0;
  let authTried = false;
  let minSE: number | undefined;
  let signWith: SipMessage | undefined;
  for (;;) {
    const req = dialog.request('INVITE', {
      headers: { allow: ALLOW, supported: SUPPORTED, 'user-agent': core.config.userAgent, ...input.headers(minSE) },
    });
    setBody(req, input.sdp, 'application/sdp');
    if (signWith && input.credentials) signRequest(req, signWith, input.credentials, uriString(req.uri!), req.content);
    const seq = req.headers.cseq!.seq;
    let ackSent: (() => void) | undefined;
    const rs = await new Promise<SipMessage>((resolve) => {
      let settled = false;
      core.send(req, (r) => {
        const st = r.status ?? 0;
        if (st < 200) return;
        if (st < 300) {
          // first 2xx and every retransmission of it get an ACK
          const ack = (): void => core.sendAck(dialog.request('ACK', { seq }));
          if (!ackSent) {
            dialog.refreshTarget(r);
            ackSent = ack;
          }
          ackSent();
        }
        if (!settled) {
          settled = true;
          resolve(r);
        }
      });
    });
    const st = rs.status ?? 0;
    if ((st === 401 || st === 407) && !rs.local && input.credentials && !authTried) {
      authTried = true;
      signWith = rs;
      continue;
    }
    if (st === 491 && glare < 2) {
      glare++;
      // RFC 3261 14.1: the Call-ID owner waits 2.1-4 s, the other side 0-2 s
      await sleep(core, input.ownsCallId ? randomInt(2100, 4001) : randomInt(0, 2001));
      continue;
    }
    if (st === 422 && minSE === undefined) {
      minSE = minSEOf(rs) ?? 90;
      continue;
    }
    return { response: rs, reAck: ackSent };
  }
}
