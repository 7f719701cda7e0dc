// Requests we send inside an established call, other than BYE: re-INVITE (a re-offer), the session
// refresh (RFC 4028: UPDATE where the peer allows it, else a re-INVITE of the same SDP), and INFO
// (DTMF, key frame requests). The mirror of CallInbound; the Call keeps the dialog's life (ACK, BYE,
// its state) and reaches this through hooks.
import type { Logger } from '../util/logger.js';
import { VcError } from '../errors.js';
import { say } from '../../protocol/index.js';
import type { SipMessage } from './sipLibrary.js';
import type { SipCore } from './SipCore.js';
import type { Dialog } from './Dialog.js';
import type { DigestCredentials } from './digest.js';
import { sendRequest } from './requests.js';
import { sendReinvite } from './reinvite.js';
import { uacSessionTimerHeaders, uacSessionTimerResult, type SessionTimer } from './SessionTimer.js';
import { dtmfInfoBody, PICTURE_FAST_UPDATE } from './dtmf.js';
import { answerText, setBody, tokens } from './message.js';

export interface OutboundHooks {
  core: SipCore;
  dialog: Dialog;
  log: Logger;
  credentials: DigestCredentials | undefined;
  timer: SessionTimer;
  /** We dialled the call (its Call-ID is ours). */
  ownsCallId: boolean;
  /** Methods the peer said it allows (its INVITE or 2xx). */
  remoteAllow: string[];
  confirmed(): boolean;
  localSdp(): string;
  /** A re-offer of the peer's waits for its answer (CallInbound). */
  inboundBusy(): boolean;
  /** Throws when the call ended (before each request). */
  assertActive(what: string): void;
  hangupQuietly(reason: string): Promise<void>;
}

export class CallOutbound {
  readonly #h: OutboundHooks;
  #remoteAllow: string[];
  #reinviteBusy = false;

  constructor(hooks: OutboundHooks) {
    this.#h = hooks;
    this.#remoteAllow = hooks.remoteAllow;
  }

  /** A re-INVITE of ours waits for its answer. */
  get busy(): boolean {
    return this.#reinviteBusy;
  }

  /** Send a re-INVITE with `sdp`; resolves with the final response (a 2xx also updates the peer's
   *  Allow and the session timer). */
  async reinvite(sdp: string): Promise<SipMessage> {
    const { core, dialog, timer } = this.#h;
    this.#reinviteBusy = true;
    try {
      const { response } = await sendReinvite(core, dialog, {
        sdp,
        credentials: this.#h.credentials,
        ownsCallId: this.#h.ownsCallId,
        headers: (minSE) => {
          const cfg = core.config.sessionTimer;
          const st = timer.state;
          return uacSessionTimerHeaders(cfg, minSE && st ? { ...st, interval: Math.max(st.interval, minSE) } : st);
        },
      });
      const st = response.status ?? 0;
      if (st >= 200 && st < 300) {
        this.#remoteAllow = tokens(response, 'allow').length ? tokens(response, 'allow') : this.#remoteAllow;
        timer.arm(uacSessionTimerResult(response, core.config.sessionTimer) ?? timer.state);
      }
      return response;
    } finally {
      this.#reinviteBusy = false;
    }
  }

  /** The session timer's refresh is due. */
  async refreshSession(): Promise<void> {
    const { core, dialog, timer } = this.#h;
    if (!this.#h.confirmed()) return;
    const state = timer.state;
    if (!state) return;
    let rs: SipMessage;
    if (this.#remoteAllow.includes('update')) {
      rs = await sendRequest(
        core,
        () =>
          dialog.request('UPDATE', {
            headers: { supported: 'timer', ...uacSessionTimerHeaders(core.config.sessionTimer, state) },
          }),
        {
          credentials: this.#h.credentials,
          timeoutMs: 64 * core.config.timers.t1,
        },
      );
      if ((rs.status ?? 0) < 300) timer.arm(uacSessionTimerResult(rs, core.config.sessionTimer) ?? state);
    } else if (this.#reinviteBusy || this.#h.inboundBusy()) {
      timer.arm(state); // a re-INVITE is under way: it refreshes the session anyway
      return;
    } else {
      rs = await this.reinvite(this.#h.localSdp());
    }
    const st = rs.status ?? 0;
    if (st === 408 || st === 481) {
      this.#h.log.warn({ status: st }, 'session refresh failed; the peer is gone');
      await this.#h.hangupQuietly('session-refresh-failed');
    } else if (st >= 300) {
      // RFC 4028 10: the session stays up until it expires; try again at the next half interval
      this.#h.log.warn({ status: st }, 'session refresh refused');
      timer.armExpiry(state.interval / 2);
    }
  }

  /** DTMF digits by SIP INFO (application/dtmf-relay), one request a digit. */
  async dtmfInfo(digits: string): Promise<void> {
    for (const d of digits) {
      const rs = await this.info('application/dtmf-relay', dtmfInfoBody(d));
      if ((rs.status ?? 0) >= 300)
        throw new VcError(
          'SIP_FAILED',
          say('sip.infoDtmfRefused', { digit: d, answer: answerText(rs.status ?? 0, rs.reason) }),
          {
            status: rs.status,
          },
        );
    }
  }

  /** Ask the far end for a key frame (SIP INFO picture_fast_update, RFC 5168). */
  async requestKeyframe(): Promise<void> {
    const rs = await this.info('application/media_control+xml', PICTURE_FAST_UPDATE);
    if ((rs.status ?? 0) >= 300)
      throw new VcError('SIP_FAILED', say('sip.keyframeRefused', { answer: answerText(rs.status ?? 0, rs.reason) }), {
        status: rs.status,
      });
  }

  /** An INFO in the dialog; resolves with the final response. */
  async info(type: string, body: string): Promise<SipMessage> {
    const { core, dialog } = this.#h;
    this.#h.assertActive('INFO');
    return sendRequest(
      core,
      () => {
        const req = dialog.request('INFO');
        setBody(req, body, type);
        return req;
      },
      { credentials: this.#h.credentials, timeoutMs: 64 * core.config.timers.t1 },
    );
  }
}
