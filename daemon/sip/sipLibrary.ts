// The one place that imports the npm package `sip` (patched: patches/sip+0.0.6.patch). The rest
// of the daemon uses these typed re-exports, so a later swap of the library touches one file.
import sip from 'sip';

export type {
  SipMessage,
  SipUri,
  NameAddr,
  Via,
  CSeq,
  AuthHeader,
  SipHeaders,
  Remote,
  SendHandle,
  Stack as LibStack,
  StackOptions as LibStackOptions,
  ScreenVerdict,
} from 'sip';

export const createLibStack = sip.create;
export const parseMessage = sip.parse;
export const parseAOR = sip.parseAOR;
export const stringifyMessage = sip.stringify;
export const parseUri = sip.parseUri;
export const stringifyUri = sip.stringifyUri;
export const makeResponse = sip.makeResponse;
export const generateBranch = sip.generateBranch;
export const messageProblem = sip.messageProblem;
export const makeStreamParser = sip.makeStreamParser;
export const resolveUri = sip.resolve;
