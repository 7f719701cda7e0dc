// Chinese for the error details of the media layer (daemon/media: relays, mixer, media plane, codecs, SRTP, compositor, program feed, live outputs) (English: protocol/reasons/mediaEn.ts).
import type { MEDIA_REASONS_EN } from '../../../../protocol/reasons/mediaEn.js';

export const mediaZh: Record<keyof typeof MEDIA_REASONS_EN, string> = {};
