// UDP sockets of the media plane. They only ever talk to IP literals (rooms' SDP addresses,
// mediasoup on 127.0.0.1), yet dgram resolves the address of every send through dns.lookup and a
// nextTick first: at 76 sites that is ~15,000 lookups a second. An IPv4 literal is answered at once.
import dgram from 'node:dgram';
import dns from 'node:dns';
import { isIPv4 } from 'node:net';

type LookupCallback = (err: NodeJS.ErrnoException | null, address: string, family: number) => void;

function literalLookup(host: string, options: unknown, callback: LookupCallback): void {
  if (isIPv4(host)) callback(null, host, 4);
  else dns.lookup(host, options as dns.LookupOneOptions, callback);
}

/**
 * Receive buffer for the sockets a composed picture passes through on the daemon's event loop: a 720p
 * keyframe arrives as a burst of ~50 packets, and the default buffer (~208 KB, ~90 datagrams) overflows
 * when the loop is busy for a moment — every packet dropped there is a broken picture for every room.
 * The kernel caps it at net.core.rmem_max.
 */
export const PICTURE_RECV_BUFFER = 2 << 20;

export interface MediaSocketOptions {
  /** Pictures pass through it: ask for PICTURE_RECV_BUFFER once it is bound. */
  pictureBursts?: boolean;
}

/** A udp4 socket for media: sends to IPv4 literals skip the name lookup. */
export function mediaSocket(o: MediaSocketOptions = {}): dgram.Socket {
  const socket = dgram.createSocket({
    type: 'udp4',
    lookup: literalLookup as unknown as dgram.SocketOptions['lookup'],
  });
  // before bind()'s own callback: dgram's recvBufferSize option would throw out of the event loop
  // where the size cannot be set, this is only a wish
  if (o.pictureBursts) socket.once('listening', () => roomyReceive(socket));
  return socket;
}

/** Ask for PICTURE_RECV_BUFFER on a bound socket (a smaller buffer than asked is not an error); for a
 *  socket made before it is known whether pictures pass (RtpRelay's internal one). */
export function roomyReceive(socket: dgram.Socket): void {
  try {
    socket.setRecvBufferSize(PICTURE_RECV_BUFFER);
  } catch {
    // not supported here: the default buffer stays
  }
}
