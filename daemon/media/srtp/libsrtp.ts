// Debian's libsrtp2 (package libsrtp2-1) called in-process with koffi, like G.722 with libspandsp.
// One srtp_t per direction of an m-line: the room's key decrypts what it sends (inbound, any SSRC:
// rooms change SSRC), our key encrypts what it receives (outbound, any SSRC: the mixer's stream and
// mediasoup's consumer have different SSRCs). libsrtp copies the master key when the session is
// created, so the key buffer lives only for the srtp_create() call and is zeroed right after.
import koffi, { type LibraryHandle } from 'koffi';
import { say } from '../../../protocol/index.js';
import { VcError } from '../../errors.js';

/** Crypto suites by their SDES names (RFC 4568, RFC 7714). */
export type SrtpSuiteName = 'AES_CM_128_HMAC_SHA1_80' | 'AES_CM_128_HMAC_SHA1_32' | 'AEAD_AES_128_GCM';

/** Master key + salt length of each suite in bytes (what the SDES inline: key carries). */
export const SUITE_KEY_BYTES: Record<SrtpSuiteName, number> = {
  AES_CM_128_HMAC_SHA1_80: 30,
  AES_CM_128_HMAC_SHA1_32: 30,
  AEAD_AES_128_GCM: 28,
};

/** Bytes protect() may add (auth tag + SRTCP index), libsrtp's SRTP_MAX_TRAILER_LEN. */
export const MAX_TRAILER = 144;

// srtp_err_status_t values we tell apart (srtp2/srtp.h)
export const SRTP_OK = 0;
export const SRTP_AUTH_FAIL = 7;
export const SRTP_REPLAY_FAIL = 9;
export const SRTP_REPLAY_OLD = 10;
/** Ours, not libsrtp's: the key protected as many packets as its SDES lifetime allows. */
export const KEY_EXPIRED = -2;

interface CryptoPolicy {
  cipher_type: number;
  cipher_key_len: number;
  auth_type: number;
  auth_key_len: number;
  auth_tag_len: number;
  sec_serv: number;
}

interface Lib {
  init: () => number;
  setters: Record<'rtpDefault' | 'sha1_32' | 'gcm128', (out: CryptoPolicy) => void>;
  create: (out: unknown[], policy: unknown) => number;
  dealloc: (s: unknown) => number;
  protect: (s: unknown, pkt: Uint8Array, len: Int32Array) => number;
  unprotect: (s: unknown, pkt: Uint8Array, len: Int32Array) => number;
  protectRtcp: (s: unknown, pkt: Uint8Array, len: Int32Array) => number;
  unprotectRtcp: (s: unknown, pkt: Uint8Array, len: Int32Array) => number;
}

let lib: Lib | undefined;
/** srtp_err_status_bad_param: what a repeated srtp_init answers (see load()). */
const SRTP_ALREADY_INITIALISED = 2;

function load(): Lib {
  if (lib) return lib;
  let h: LibraryHandle;
  try {
    h = koffi.load('libsrtp2.so.1');
  } catch (e) {
    throw new VcError('MEDIA_FAILED', say('media.srtpLib', { why: (e as Error).message }), undefined, { cause: e });
  }
  koffi.struct('srtp_crypto_policy_t', {
    cipher_type: 'uint32',
    cipher_key_len: 'int',
    auth_type: 'uint32',
    auth_key_len: 'int',
    auth_tag_len: 'int',
    sec_serv: 'int',
  });
  koffi.struct('srtp_ssrc_t', { type: 'int', value: 'uint32' });
  koffi.struct('srtp_policy_t', {
    ssrc: 'srtp_ssrc_t',
    rtp: 'srtp_crypto_policy_t',
    rtcp: 'srtp_crypto_policy_t',
    key: 'void *',
    keys: 'void *',
    num_master_keys: 'unsigned long',
    deprecated_ekt: 'void *',
    window_size: 'unsigned long',
    allow_repeat_tx: 'int',
    enc_xtn_hdr: 'void *',
    enc_xtn_hdr_count: 'int',
    next: 'void *',
  });
  koffi.opaque('srtp_ctx_t');
  const l: Lib = {
    init: h.func('int srtp_init(void)'),
    setters: {
      rtpDefault: h.func('void srtp_crypto_policy_set_rtp_default(_Out_ srtp_crypto_policy_t *p)'),
      sha1_32: h.func('void srtp_crypto_policy_set_aes_cm_128_hmac_sha1_32(_Out_ srtp_crypto_policy_t *p)'),
      gcm128: h.func('void srtp_crypto_policy_set_aes_gcm_128_16_auth(_Out_ srtp_crypto_policy_t *p)'),
    },
    create: h.func('int srtp_create(_Out_ srtp_ctx_t **session, const srtp_policy_t *policy)'),
    dealloc: h.func('int srtp_dealloc(srtp_ctx_t *s)'),
    protect: h.func('int srtp_protect(srtp_ctx_t *s, uint8_t *pkt, int *len)'),
    unprotect: h.func('int srtp_unprotect(srtp_ctx_t *s, uint8_t *pkt, int *len)'),
    protectRtcp: h.func('int srtp_protect_rtcp(srtp_ctx_t *s, uint8_t *pkt, int *len)'),
    unprotectRtcp: h.func('int srtp_unprotect_rtcp(srtp_ctx_t *s, uint8_t *pkt, int *len)'),
  };
  const st = l.init();
  // libsrtp is one per process, koffi's handle one per thread: when another thread (the media plane
  // worker, or the daemon's for video) initialised it already, srtp_init finds its debug module loaded
  // and says bad_param, with the crypto kernel ready. Any other status is a real failure.
  if (st !== SRTP_OK && st !== SRTP_ALREADY_INITIALISED)
    throw new VcError('MEDIA_FAILED', say('media.srtpInit', { status: st }));
  lib = l;
  return l;
}

function policies(l: Lib, suite: SrtpSuiteName): { rtp: CryptoPolicy; rtcp: CryptoPolicy } {
  const get = (which: keyof Lib['setters']): CryptoPolicy => {
    const p = {} as CryptoPolicy;
    l.setters[which](p);
    return p;
  };
  // RFC 4568 6.2.2: the _32 suite keeps an 80-bit tag on SRTCP.
  if (suite === 'AES_CM_128_HMAC_SHA1_80') return { rtp: get('rtpDefault'), rtcp: get('rtpDefault') };
  if (suite === 'AES_CM_128_HMAC_SHA1_32') return { rtp: get('sha1_32'), rtcp: get('rtpDefault') };
  return { rtp: get('gcm128'), rtcp: get('gcm128') };
}

/** One libsrtp session: either the inbound (unprotect) or the outbound (protect) half of an m-line. */
export class SrtpContext {
  readonly suite: SrtpSuiteName;
  readonly direction: 'inbound' | 'outbound';
  readonly #lib: Lib;
  readonly #len = new Int32Array(1);
  readonly #maxPackets: number;
  #packets = 0;
  #ctx: unknown;

  /** `maxPackets`: the key's lifetime (RFC 4568); afterwards every packet is refused with KEY_EXPIRED. */
  constructor(
    suite: SrtpSuiteName,
    key: Uint8Array,
    direction: 'inbound' | 'outbound',
    o: { windowSize?: number; maxPackets?: number } = {},
  ) {
    const l = load();
    if (key.length !== SUITE_KEY_BYTES[suite]) {
      throw new VcError(
        'SDP_INVALID',
        say('media.srtpKeyLength', { suite, bytes: SUITE_KEY_BYTES[suite], got: key.length }),
      );
    }
    const keyMem = koffi.alloc('uint8_t', key.length);
    try {
      koffi.encode(keyMem, 'uint8_t', Array.from(key), key.length);
      const { rtp, rtcp } = policies(l, suite);
      const out: unknown[] = [null];
      const st = l.create(out, {
        ssrc: { type: direction === 'inbound' ? 2 : 3, value: 0 },
        rtp,
        rtcp,
        key: keyMem,
        keys: null,
        num_master_keys: 0,
        deprecated_ekt: null,
        window_size: o.windowSize ?? 1024,
        // mediasoup retransmits (NACK) with the original sequence number: allow those on the way out
        allow_repeat_tx: direction === 'outbound' ? 1 : 0,
        enc_xtn_hdr: null,
        enc_xtn_hdr_count: 0,
        next: null,
      });
      if (st !== SRTP_OK || !out[0]) throw new VcError('MEDIA_FAILED', say('media.srtpCreate', { suite, status: st }));
      this.#ctx = out[0];
    } finally {
      koffi.encode(keyMem, 'uint8_t', new Array<number>(key.length).fill(0), key.length);
      koffi.free(keyMem);
    }
    this.suite = suite;
    this.direction = direction;
    this.#lib = l;
    this.#maxPackets = o.maxPackets ?? 2 ** 48;
  }

  /** Encrypt and authenticate an RTP packet: a new buffer (the input is left as it was). */
  protectRtp(pkt: Uint8Array): Buffer | number {
    return this.#protect(this.#lib.protect, pkt);
  }

  protectRtcp(pkt: Uint8Array): Buffer | number {
    return this.#protect(this.#lib.protectRtcp, pkt);
  }

  /** Check and decrypt in place; the plain packet (a view of `pkt`) or libsrtp's error status. */
  unprotectRtp(pkt: Buffer): Buffer | number {
    return this.#unprotect(this.#lib.unprotect, pkt);
  }

  unprotectRtcp(pkt: Buffer): Buffer | number {
    return this.#unprotect(this.#lib.unprotectRtcp, pkt);
  }

  close(): void {
    if (this.#ctx) this.#lib.dealloc(this.#ctx);
    this.#ctx = undefined;
  }

  #protect(fn: Lib['protect'], pkt: Uint8Array): Buffer | number {
    if (!this.#ctx) return -1;
    if (++this.#packets > this.#maxPackets) return KEY_EXPIRED;
    // a fresh buffer each time: dgram may still hold the previous one when send() is queued
    const buf = Buffer.allocUnsafe(pkt.length + MAX_TRAILER);
    buf.set(pkt);
    this.#len[0] = pkt.length;
    const st = fn(this.#ctx, buf, this.#len);
    return st === SRTP_OK ? buf.subarray(0, this.#len[0]) : st;
  }

  #unprotect(fn: Lib['unprotect'], pkt: Buffer): Buffer | number {
    if (!this.#ctx) return -1;
    if (this.#packets >= this.#maxPackets) return KEY_EXPIRED;
    this.#len[0] = pkt.length;
    const st = fn(this.#ctx, pkt, this.#len);
    if (st !== SRTP_OK) return st;
    this.#packets++;
    return pkt.subarray(0, this.#len[0]);
  }
}

let gcm: boolean | undefined;

/** The suites this machine's libsrtp2 can run, in the order we offer them. */
export function supportedSuites(): SrtpSuiteName[] {
  if (gcm === undefined) {
    try {
      new SrtpContext('AEAD_AES_128_GCM', new Uint8Array(28), 'outbound').close();
      gcm = true;
    } catch {
      gcm = false; // libsrtp2 built without an AEAD-capable crypto backend
    }
  }
  return ['AES_CM_128_HMAC_SHA1_80', 'AES_CM_128_HMAC_SHA1_32', ...(gcm ? ['AEAD_AES_128_GCM' as const] : [])];
}
