// RFC 4733 telephone-event payloads (DTMF digits).

const DIGITS = '0123456789*#ABCD';

export function eventCode(digit: string): number {
  const i = DIGITS.indexOf(digit.toUpperCase());
  if (i < 0) throw new RangeError(`not a DTMF digit: ${JSON.stringify(digit)}`);
  return i;
}

export function digitOf(code: number): string | undefined {
  return DIGITS[code];
}

export function isDtmfString(s: string): boolean {
  return s.length > 0 && [...s.toUpperCase()].every((c) => DIGITS.includes(c));
}

/** 4-byte event payload: event, E|R|volume, duration (in RTP clock units). */
export function eventPayload(code: number, end: boolean, duration: number, volume = 10): Buffer {
  const b = Buffer.alloc(4);
  b[0] = code;
  b[1] = (end ? 0x80 : 0) | (volume & 0x3f);
  b.writeUInt16BE(Math.min(duration, 0xffff), 2);
  return b;
}

export function parseEvent(payload: Buffer): { code: number; end: boolean; duration: number } | undefined {
  if (payload.length < 4) return undefined;
  return { code: payload[0]!, end: (payload[1]! & 0x80) !== 0, duration: payload.readUInt16BE(2) };
}
