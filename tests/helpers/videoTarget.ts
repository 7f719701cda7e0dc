// A room that only receives video, for view-switching tests: a SimVideo that records every packet it
// gets, behind a real SipMediaLeg told the room receives (recvonly) at `pt`.
import type { types as ms } from 'mediasoup';
import type { Logger } from '../../daemon/util/logger.js';
import type { RelayPortPool } from '../../daemon/media/RelayPortPool.js';
import { SipMediaLeg } from '../../daemon/media/SipMediaLeg.js';
import { SimVideo } from './simVideo.js';

export async function viewTarget(o: {
  router: ms.Router;
  ports: RelayPortPool;
  log: Logger;
  codec: 'VP8' | 'H264';
  pt: number;
  fmtp?: string;
  /** close() of the room and its leg is pushed here. */
  cleanup: (() => void)[];
}): Promise<{ target: SimVideo; leg: SipMediaLeg }> {
  const target = await SimVideo.create({ codec: o.codec, pt: o.pt, tag: 0 });
  const leg = await SipMediaLeg.create({
    id: 't',
    router: o.router,
    ports: o.ports,
    log: o.log,
    announcedAddress: '127.0.0.1',
    kinds: ['video'],
  });
  o.cleanup.push(() => {
    target.close();
    leg.close();
  });
  await leg.setRemote({
    address: '127.0.0.1',
    video: {
      port: target.port,
      rtcpPort: target.rtcpPort,
      pt: o.pt,
      codec: o.codec,
      clockRate: 90000,
      ...(o.fmtp !== undefined ? { fmtp: o.fmtp } : {}),
      direction: 'recvonly',
    },
  });
  return { target, leg };
}
