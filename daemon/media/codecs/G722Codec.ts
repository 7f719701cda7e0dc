// G.722 at 64 kbit/s through Debian's libspandsp (package libspandsp2, what baresip uses), called
// in-process with koffi. 16 kHz samples, but an RTP clock of 8000 (RFC 3551's historical quirk).
import koffi, { type LibraryHandle } from 'koffi';
import { say } from '../../../protocol/index.js';
import { VcError } from '../../errors.js';
import type { AudioCodec } from './AudioCodec.js';

interface SpanDsp {
  encodeInit: (s: null, rate: number, options: number) => unknown;
  encode: (s: unknown, out: Uint8Array, amp: Int16Array, len: number) => number;
  encodeFree: (s: unknown) => number;
  decodeInit: (s: null, rate: number, options: number) => unknown;
  decode: (s: unknown, amp: Int16Array, data: Uint8Array, len: number) => number;
  decodeFree: (s: unknown) => number;
}

let lib: SpanDsp | undefined;

function spandsp(): SpanDsp {
  if (lib) return lib;
  let h: LibraryHandle;
  try {
    h = koffi.load('libspandsp.so.2');
  } catch (e) {
    throw new VcError('MEDIA_FAILED', say('media.g722Lib', { why: (e as Error).message }), undefined, { cause: e });
  }
  lib = {
    encodeInit: h.func('void *g722_encode_init(void *s, int rate, int options)'),
    encode: h.func('int g722_encode(void *s, uint8_t *g722_data, const int16_t *amp, int len)'),
    encodeFree: h.func('int g722_encode_free(void *s)'),
    decodeInit: h.func('void *g722_decode_init(void *s, int rate, int options)'),
    decode: h.func('int g722_decode(void *s, int16_t *amp, const uint8_t *g722_data, int len)'),
    decodeFree: h.func('int g722_decode_free(void *s)'),
  };
  return lib;
}

export class G722Codec implements AudioCodec {
  readonly name = 'G722' as const;
  readonly clockRate = 8000;
  readonly frameTs = 160;
  readonly stateless = false;
  readonly #lib = spandsp();
  #enc: unknown = this.#lib.encodeInit(null, 64000, 0);
  #dec: unknown = this.#lib.decodeInit(null, 64000, 0);
  readonly #out = new Uint8Array(160);

  decode(payload: Uint8Array): Int16Array {
    if (!this.#dec) return new Int16Array(0);
    const pcm = new Int16Array(payload.length * 2);
    const n = this.#lib.decode(this.#dec, pcm, payload, payload.length);
    return n === pcm.length ? pcm : pcm.subarray(0, Math.max(0, n));
  }

  encode(pcm: Int16Array): Uint8Array {
    if (!this.#enc) return new Uint8Array(0);
    const n = this.#lib.encode(this.#enc, this.#out, pcm, pcm.length);
    return this.#out.slice(0, Math.max(0, n));
  }

  close(): void {
    if (this.#enc) this.#lib.encodeFree(this.#enc);
    if (this.#dec) this.#lib.decodeFree(this.#dec);
    this.#enc = undefined;
    this.#dec = undefined;
  }
}
