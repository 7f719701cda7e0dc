import { say } from '../../../protocol/index.js';
import { VcError } from '../../errors.js';
import { normaliseCodecName, type AudioCodecName } from '../types.js';
import type { AudioCodec } from './AudioCodec.js';
import { G711Codec } from './G711Codec.js';
import { G722Codec } from './G722Codec.js';
import { OpusCodec } from './OpusCodec.js';

/** A fresh codec state (decoder and encoder) for one stream. */
export function createAudioCodec(codec: AudioCodecName | string): AudioCodec {
  const name = normaliseCodecName(codec);
  switch (name) {
    case 'PCMA':
    case 'PCMU':
      return new G711Codec(name);
    case 'G722':
      return new G722Codec();
    case 'opus':
      return new OpusCodec();
    default:
      throw new VcError('SDP_NO_COMMON_CODEC', say('media.mixerNoCodec', { codec }));
  }
}
