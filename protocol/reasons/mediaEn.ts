// English templates of the error details of the media layer (daemon/media: relays, mixer, media plane, codecs, SRTP, compositor, program feed, live outputs).
// Part of REASONS_EN (../reasonsEn.ts); the same rules hold: add a key rather than reword an old one.
export const MEDIA_REASONS_EN = {} as const;
