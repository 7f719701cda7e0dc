// mediaSocket's pictureBursts: the larger receive buffer is in place when bind's own callback runs
// (the daemon starts receiving a composed picture right after), and only where it was asked for.
import { readFileSync } from 'node:fs';
import type dgram from 'node:dgram';
import { describe, expect, it } from 'vitest';
import { mediaSocket, PICTURE_RECV_BUFFER } from '../../daemon/media/udp.js';

// the kernel caps a socket's buffer at net.core.rmem_max: below 2 MB the two cannot be told apart
const rmemMax = Number(readFileSync('/proc/sys/net/core/rmem_max', 'utf8'));

async function boundBuffer(socket: dgram.Socket): Promise<number> {
  const size = await new Promise<number>((resolve) =>
    socket.bind(0, '127.0.0.1', () => resolve(socket.getRecvBufferSize())),
  );
  socket.close();
  return size;
}

describe('mediaSocket', () => {
  it.skipIf(rmemMax < PICTURE_RECV_BUFFER)(
    'pictureBursts: a 2 MB receive buffer once bound; else the default',
    async () => {
      // Linux reports twice what was asked (its bookkeeping share)
      expect(await boundBuffer(mediaSocket({ pictureBursts: true }))).toBeGreaterThanOrEqual(PICTURE_RECV_BUFFER);
      expect(await boundBuffer(mediaSocket())).toBeLessThan(PICTURE_RECV_BUFFER);
    },
  );
});
