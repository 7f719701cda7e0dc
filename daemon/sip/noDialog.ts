// A request for a dialog the bridge does not have (its call ended, or never was) is answered 481 by
// the caller and said in the log with what it was. A room keying its raise-hand digits by SIP INFO
// after it left the meeting is worth an info line (RequestScreen bounds how often a source gets
// through); anything else goes to debug, so a peer cannot fill the journal with strays.
import type { Logger } from '../util/logger.js';
import { parseDtmfInfo } from './dtmf.js';
import { bodyText, contentType, type SipSource } from './message.js';
import type { SipMessage } from './sipLibrary.js';

export function logNoDialog(
  log: Logger,
  m: SipMessage,
  src: SipSource,
  callId = String(m.headers['call-id'] ?? ''),
): void {
  const dtmf = m.method === 'INFO' ? parseDtmfInfo(contentType(m), bodyText(m)) : undefined;
  const context = { method: m.method, callId, source: `${src.address}:${src.port}`, transport: src.transport };
  if (dtmf)
    log.info(
      { ...context, dtmf: dtmf.digit },
      'DTMF by SIP INFO outside any call of a meeting: answered 481, no hand raised',
    );
  else log.debug(context, 'request outside any dialog: answered 481');
}
