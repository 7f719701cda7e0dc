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

/** A udp4 socket for media: sends to IPv4 literals skip the name lookup. */
export function mediaSocket(): dgram.Socket {
  return dgram.createSocket({ type: 'udp4', lookup: literalLookup as unknown as dgram.SocketOptions['lookup'] });
}
