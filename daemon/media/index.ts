// The media layer's public surface, for the conference layer.
export { WorkerPool, type WorkerPoolOptions, type WorkerDied } from './WorkerPool.js';
export { RelayPortPool, type RelayPortPoolOptions } from './RelayPortPool.js';
export { SipMediaLeg, type SipMediaLegOptions, type AudioFormat, type KindStats } from './SipMediaLeg.js';
export { AudioMixer, type AudioMixerOptions, type MixerMemberStats } from './AudioMixer.js';
export { VideoView, type VideoViewOptions, type ViewTarget } from './VideoView.js';
export { LegStats, type LegStatsSample, type StreamQuality, type StatsSource } from './LegStats.js';
export type { DtmfOptions } from './DtmfSender.js';
export { ROUTER_MEDIA_CODECS } from './mediaCodecs.js';
export {
  AUDIO_CODECS, VIDEO_CODECS, videoKeyOf,
  type AudioCodecName, type VideoCodecName, type VideoCodecKey, type MediaKind, type Direction,
  type NegotiatedMedia, type NegotiatedStream, type LocalMedia, type LocalStream,
} from './types.js';
