import * as mediasoup from 'mediasoup';
import { ROUTER_MEDIA_CODECS } from '../daemon/media/mediaCodecs.js';
const w = await mediasoup.createWorker({ logLevel: 'warn' });
const r = await w.createRouter({ mediaCodecs: ROUTER_MEDIA_CODECS });
console.log(JSON.stringify(r.rtpCapabilities.codecs?.map(c => [c.mimeType, c.preferredPayloadType, c.parameters])));
w.close();
