// English templates of the error details of SIP and SDP (daemon/sip, daemon/conference/sip), the control API (daemon/api), health probes and the store.
// Part of REASONS_EN (../reasonsEn.ts); the same rules hold: add a key rather than reword an old one.
export const SIP_REASONS_EN = {} as const;
