// Where a room is (daemon/media/RoomSource.ts, symmetric RTP): the relay latches onto the source of
// the room's RTP, ignores a second source while the first is alive, and goes back to the SDP's
// address after a re-INVITE moved the room; RTCP without rtcp-mux is latched on its own.
import { describe, expect, it } from 'vitest';
import { RELATCH_MS, RoomSource } from '../../daemon/media/RoomSource.js';

const sdp = { address: '127.0.0.1', port: 40000, rtcpPort: 40001, rtcpMux: false };
const a = { address: '127.0.0.1', port: 50000 };
const b = { address: '127.0.0.2', port: 50002 };
/** The address and port only (rtpDest may hand back the SDP object itself: no copy per packet). */
const at = (t: { address: string; port: number }) => ({ address: t.address, port: t.port });

describe('RoomSource', () => {
  it('sends to the SDP address until the room shows where it sends from, then there', () => {
    const room = new RoomSource();
    expect(at(room.rtpDest(sdp))).toEqual({ address: '127.0.0.1', port: 40000 });
    expect(room.rtpFrom(a, 0)).toBe('latched');
    room.heard(0);
    expect(room.rtpFrom(a, 10)).toBe('same');
    expect(room.rtp).toEqual(a);
    expect(at(room.rtpDest(sdp))).toEqual(a);
  });

  it('drops a second source while the first is alive, and takes it once the first was silent long enough', () => {
    const room = new RoomSource();
    room.rtpFrom(a, 0);
    room.heard(0);
    expect(room.rtpFrom(b, RELATCH_MS - 1)).toBe('drop');
    expect(room.rtp).toEqual(a);
    expect(room.rtpFrom(b, RELATCH_MS)).toBe('latched');
    expect(room.rtp).toEqual(b);
  });

  it('after reset() (the SDP moved) the SDP address wins again and any source may latch at once', () => {
    const room = new RoomSource();
    room.rtpFrom(a, 0);
    room.heard(0);
    room.reset();
    expect(room.rtp).toBeUndefined();
    expect(at(room.rtpDest(sdp))).toEqual({ address: '127.0.0.1', port: 40000 });
    expect(room.rtpFrom(b, 1)).toBe('latched');
  });

  it("RTCP without rtcp-mux: latched on its own, else to the RTP source's host at the SDP's RTCP port", () => {
    const room = new RoomSource();
    room.rtpFrom(b, 0);
    expect(at(room.rtcpDest(sdp))).toEqual({ address: '127.0.0.2', port: 40001 });
    expect(room.rtcpFrom(a, sdp, 0)).toBe(true);
    expect(at(room.rtcpDest(sdp))).toEqual(a);
    expect(room.rtcpFrom(b, sdp, 3 * RELATCH_MS - 1)).toBe(false);
    expect(room.rtcpFrom(b, sdp, 3 * RELATCH_MS)).toBe(true);
    expect(at(room.rtcpDest(sdp))).toEqual(b);
  });

  it('with rtcp-mux every RTCP source is taken and RTCP goes where RTP goes', () => {
    const room = new RoomSource();
    const mux = { ...sdp, rtcpMux: true };
    expect(room.rtcpFrom(a, mux, 0)).toBe(true);
    expect(room.rtcpFrom(b, mux, 1)).toBe(true);
    expect(at(room.rtpDest(mux))).toEqual({ address: '127.0.0.1', port: 40000 });
  });
});
