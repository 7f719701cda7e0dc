// Chinese for the error details of SIP and SDP (daemon/sip, daemon/conference/sip), the control API (daemon/api), health probes and the store (English: protocol/reasons/sipEn.ts).
import type { SIP_REASONS_EN } from '../../../../protocol/reasons/sipEn.js';

export const sipZh: Record<keyof typeof SIP_REASONS_EN, string> = {};
