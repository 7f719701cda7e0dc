// What a refused or ended join says to people, in Chinese and English. Used by the daemon's refusal
// page and by the page itself when its connection is closed with one of JOIN_CLOSE's codes.
import { JOIN_CLOSE } from './signalling.js';

export type RefusalKind =
  'invalid' | 'expired' | 'gone' | 'removed' | 'replaced' | 'rateLimited' | 'shutdown' | 'restart';

export interface Words {
  zh: string;
  en: string;
}

export function refusalWords(kind: RefusalKind): Words {
  switch (kind) {
    case 'invalid':
      return {
        zh: '邀请链接无效（可能被修改或复制不完整）。请向会议管理员索取新的链接。',
        en: 'This invitation link is not valid (it was altered or copied incompletely). Ask the operator for a new link.',
      };
    case 'expired':
      return {
        zh: '邀请链接已过期。请向会议管理员索取新的链接。',
        en: 'This invitation link has expired. Ask the operator for a new link.',
      };
    case 'gone':
      return { zh: '本次会议已结束或尚未开始。', en: 'This meeting has ended or is not running.' };
    case 'removed':
      return { zh: '您已被会议管理员移出本次会议。', en: 'The operator has removed you from this meeting.' };
    case 'replaced':
      return {
        zh: '此邀请已在另一个窗口或设备上打开，本窗口已断开。',
        en: 'This invitation was opened in another window or device; this one is disconnected.',
      };
    case 'rateLimited':
      return {
        zh: '尝试加入的次数过多，请稍等一分钟再试。',
        en: 'Too many join attempts from your address. Wait a minute and try again.',
      };
    case 'shutdown':
      return {
        zh: '会议服务正在重启，稍后自动重连。',
        en: 'The conference service is restarting; reconnecting shortly.',
      };
    case 'restart':
      return { zh: '媒体服务已重启，正在重新连接。', en: 'The media server restarted; reconnecting.' };
  }
}

const BY_CODE: Record<number, RefusalKind> = {
  [JOIN_CLOSE.TOKEN_INVALID]: 'invalid',
  [JOIN_CLOSE.TOKEN_EXPIRED]: 'expired',
  [JOIN_CLOSE.CONFERENCE_GONE]: 'gone',
  [JOIN_CLOSE.REMOVED]: 'removed',
  [JOIN_CLOSE.REPLACED]: 'replaced',
  [JOIN_CLOSE.RATE_LIMITED]: 'rateLimited',
  [JOIN_CLOSE.SHUTDOWN]: 'shutdown',
  [JOIN_CLOSE.RESTART]: 'restart',
};

export function refusalKindOfCode(code: number): RefusalKind | undefined {
  return BY_CODE[code];
}

export const CLOSE_CODE_OF: Record<RefusalKind, number> = {
  invalid: JOIN_CLOSE.TOKEN_INVALID,
  expired: JOIN_CLOSE.TOKEN_EXPIRED,
  gone: JOIN_CLOSE.CONFERENCE_GONE,
  removed: JOIN_CLOSE.REMOVED,
  replaced: JOIN_CLOSE.REPLACED,
  rateLimited: JOIN_CLOSE.RATE_LIMITED,
  shutdown: JOIN_CLOSE.SHUTDOWN,
  restart: JOIN_CLOSE.RESTART,
};
