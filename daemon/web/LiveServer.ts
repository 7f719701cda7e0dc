// The live side door of the control port (issue #16):
//   GET /live/<conferenceId>/index.m3u8?t=TOKEN   the HLS playlist, its segment URIs carrying the token
//   GET /live/<conferenceId>/segNNNNN.ts?t=TOKEN  a segment
//   GET /watch?t=TOKEN                            the watch-only page (hls.js in the browser)
//   GET /live/watch.js                            the page's script (hls.js bundled), no token
// Nothing else under /live/ exists: the path must be exactly one of these shapes (no encoding, no
// dot segments, only names the packager writes), so no request can reach another file. The token is
// a signed, expiring live link (JoinTokens.issueLive) for that very conference; anything else is 403.
// Why the token rides in every URI rather than a cookie: players other than browsers (ffplay, VLC,
// set-top boxes, hls.js in a page on another origin) fetch segments without a cookie jar, and the
// link stays one self-contained thing to hand out. The playlist is rewritten per request for that.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { createReadStream, readFileSync, statSync } from 'node:fs';
import { BundledScript } from './BundledScript.js';
import { join } from 'node:path';
import type { Logger } from '../util/logger.js';
import { RateLimiter } from '../util/RateLimiter.js';
import { toVcError } from '../errors.js';
import { HLS_PLAYLIST, HLS_SEGMENT_NAME } from '../media/live/ffmpegArgs.js';
import type { JoinTokens, LiveClaims } from './JoinTokens.js';
import { refusalPage, watchHeaders, watchPage } from './pageHtml.js';

/** The limits of live viewing; README "Limits" lists them. */
export const LIVE_LIMITS = {
  /** Distinct viewer addresses per stream, seen in the last `viewerWindowMs`; a new one beyond is 503. */
  maxViewersPerStream: 200,
  viewerWindowMs: 10_000,
  /** Requests with a genuine token per source address (a player asks ~1/s; a NAT of a few halls fits). */
  requestsPerSecond: 10,
  requestBurst: 60,
  /** Refused requests (bad, expired or foreign tokens, unknown paths) per source address. */
  refusalsPerSecond: 1 / 3,
  refusalBurst: 20,
  /** Largest playlist read (ffmpeg's is ~1 KB). */
  maxPlaylistBytes: 64 * 1024,
} as const;

const PATH = /^\/live\/([A-Za-z0-9][A-Za-z0-9_-]{0,63})\/(index\.m3u8|seg\d{5,9}\.ts)$/;

export interface LiveServerOptions {
  tokens: JoinTokens;
  /** The HLS directory of a conference while HLS runs, else undefined. */
  hlsDir(conferenceId: string): string | undefined;
  /** The title of a live conference, or undefined when it is not running. */
  title(conferenceId: string): string | undefined;
  /** The bundled watch script (dist/web/watch.js). */
  watchScript: string;
  log: Logger;
}

type Refusal = { status: 403 | 404 | 429 | 503; zh: string; en: string; retryAfter?: number };

const REFUSED = {
  invalid: { status: 403, zh: '直播链接无效。', en: 'This live link is not valid.' },
  expired: {
    status: 403,
    zh: '直播链接已过期，请向会议管理员索取新的链接。',
    en: 'This live link has expired. Ask the operator for a new one.',
  },
  gone: { status: 403, zh: '本次会议已结束或尚未开始。', en: 'This meeting has ended or is not running.' },
  rate: { status: 429, zh: '请求过于频繁。', en: 'Too many requests.', retryAfter: 2 },
  path: { status: 404, zh: '没有这个文件。', en: 'No such file.' },
  off: { status: 404, zh: '本次会议没有在直播。', en: 'This meeting is not streamed live.' },
  full: { status: 503, zh: '观看人数已满，请稍后再试。', en: 'Too many viewers; try again later.', retryAfter: 10 },
} as const satisfies Record<string, Refusal>;

export class LiveServer {
  readonly #o: LiveServerOptions;
  readonly #log: Logger;
  readonly #requests = new RateLimiter({ perSecond: LIVE_LIMITS.requestsPerSecond, burst: LIVE_LIMITS.requestBurst });
  readonly #refusals = new RateLimiter({ perSecond: LIVE_LIMITS.refusalsPerSecond, burst: LIVE_LIMITS.refusalBurst });
  /** Per conference: viewer address → last request (ms). */
  readonly #viewers = new Map<string, Map<string, number>>();
  readonly #script: BundledScript;

  constructor(o: LiveServerOptions) {
    this.#o = o;
    this.#log = o.log.child({ component: 'web.live' });
    this.#script = new BundledScript(o.watchScript, 'watch page', this.#log);
  }

  /** Viewers of a stream: addresses that fetched something in the last LIVE_LIMITS.viewerWindowMs. */
  viewers(conferenceId: string): number {
    const n = this.#liveViewers(conferenceId, Date.now()).size;
    if (n === 0) this.#viewers.delete(conferenceId);
    return n;
  }

  /** For RpcServer.addRoute: true when the request was for us. */
  readonly route = (req: IncomingMessage, res: ServerResponse): boolean => {
    const raw = (req.url ?? '/').split('?')[0] ?? '/';
    const isLive = raw === '/live' || raw.startsWith('/live/');
    if (!isLive && raw !== '/watch') return false;
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res
        .writeHead(405, { allow: 'GET, HEAD', 'content-type': 'text/plain; charset=utf-8' })
        .end('method not allowed\n');
      return true;
    }
    const address = req.socket.remoteAddress ?? '?';
    const url = new URL(req.url ?? '/', 'http://x');
    if (raw === '/live/watch.js') {
      this.#script.serve(res);
      return true;
    }
    const token = url.searchParams.get('t');
    if (raw === '/watch') return this.#watch(req, res, token, address);
    const m = PATH.exec(raw);
    if (!m) return this.#refuse(res, address, REFUSED.path, 'path');
    const conferenceId = m[1] as string;
    const file = m[2] as string;
    const checked = this.#check(token, conferenceId);
    if ('status' in checked) return this.#refuse(res, address, checked, 'token');
    if (!this.#requests.take(address)) return this.#refuse(res, address, REFUSED.rate, 'rate');
    const dir = this.#o.hlsDir(conferenceId);
    if (!dir) return this.#refuse(res, address, REFUSED.off, 'off');
    if (!this.#admitViewer(conferenceId, address)) return this.#refuse(res, address, REFUSED.full, 'full');
    if (file === HLS_PLAYLIST) this.#servePlaylist(req, res, join(dir, HLS_PLAYLIST), token as string);
    else if (HLS_SEGMENT_NAME.test(file)) this.#serveSegment(req, res, join(dir, file));
    return true;
  };

  /** A genuine, unexpired live token for a live conference (this one, when `conferenceId` is given). */
  #check(token: string | null, conferenceId?: string): (LiveClaims & { title: string }) | Refusal {
    let claims: LiveClaims;
    try {
      claims = this.#o.tokens.verifyLive(token);
    } catch (err) {
      return toVcError(err, 'TOKEN_INVALID').code === 'TOKEN_EXPIRED' ? REFUSED.expired : REFUSED.invalid;
    }
    if (conferenceId !== undefined && claims.conferenceId !== conferenceId) return REFUSED.invalid;
    const title = this.#o.title(claims.conferenceId);
    return title === undefined ? REFUSED.gone : { ...claims, title };
  }

  #watch(req: IncomingMessage, res: ServerResponse, token: string | null, address: string): true {
    const claims = this.#check(token);
    if ('status' in claims) return this.#refuse(res, address, claims, 'token');
    if (!this.#requests.take(address)) return this.#refuse(res, address, REFUSED.rate, 'rate');
    const title = claims.title;
    const src = `/live/${claims.conferenceId}/${HLS_PLAYLIST}?t=${encodeURIComponent(token as string)}`;
    res.writeHead(200, watchHeaders()).end(req.method === 'HEAD' ? undefined : watchPage({ title, src }));
    return true;
  }

  #servePlaylist(req: IncomingMessage, res: ServerResponse, file: string, token: string): void {
    let text: string;
    try {
      if (statSync(file).size > LIVE_LIMITS.maxPlaylistBytes) throw new Error('playlist too large');
      text = readFileSync(file, 'utf8');
    } catch {
      // the packager has not written its first playlist yet (or is restarting)
      res
        .writeHead(503, {
          'content-type': 'text/plain; charset=utf-8',
          'retry-after': '2',
          'cache-control': 'no-store',
        })
        .end('the live stream is starting\n');
      return;
    }
    const t = encodeURIComponent(token);
    // only our own segment names become links; any other line is copied as it is (tags, comments)
    const body = text
      .split('\n')
      .map((line) => (HLS_SEGMENT_NAME.test(line.trim()) ? `${line.trim()}?t=${t}` : line))
      .join('\n');
    res
      .writeHead(200, {
        'content-type': 'application/vnd.apple.mpegurl',
        'cache-control': 'no-store',
        'referrer-policy': 'no-referrer',
        'x-content-type-options': 'nosniff',
      })
      .end(req.method === 'HEAD' ? undefined : body);
  }

  #serveSegment(req: IncomingMessage, res: ServerResponse, file: string): void {
    let size: number;
    try {
      size = statSync(file).size;
    } catch {
      res.writeHead(404, { 'content-type': 'text/plain; charset=utf-8' }).end('segment gone\n');
      return;
    }
    res.writeHead(200, {
      'content-type': 'video/mp2t',
      'content-length': String(size),
      // a segment never changes once written
      'cache-control': 'private, max-age=60',
      'x-content-type-options': 'nosniff',
    });
    if (req.method === 'HEAD') {
      res.end();
      return;
    }
    const stream = createReadStream(file);
    // deleted by the packager between stat and open: end the reply, the player moves on
    stream.on('error', (err) => {
      this.#log.debug({ err: err.message, file }, 'segment read failed');
      res.destroy();
    });
    res.on('close', () => stream.destroy());
    stream.pipe(res);
  }

  #admitViewer(conferenceId: string, address: string): boolean {
    const now = Date.now();
    const seen = this.#liveViewers(conferenceId, now);
    if (!seen.has(address) && seen.size >= LIVE_LIMITS.maxViewersPerStream) return false;
    seen.set(address, now);
    return true;
  }

  #liveViewers(conferenceId: string, now: number): Map<string, number> {
    let seen = this.#viewers.get(conferenceId);
    if (!seen) {
      seen = new Map();
      this.#viewers.set(conferenceId, seen);
    }
    for (const [a, at] of seen) if (now - at > LIVE_LIMITS.viewerWindowMs) seen.delete(a);
    return seen;
  }

  /** A refusal: rate-limited per source address (past the limit: a bare 429), logged once in a while. */
  #refuse(res: ServerResponse, address: string, r: Refusal, why: string): true {
    const counted = r.status === 403 || r.status === 404;
    if (counted && !this.#refusals.take(address)) {
      res
        .writeHead(429, { 'content-type': 'text/plain; charset=utf-8', 'retry-after': '10' })
        .end('too many refused requests\n');
      return true;
    }
    if (counted) this.#log.info({ address, why, status: r.status }, 'live request refused');
    res
      .writeHead(r.status, {
        ...watchHeaders(),
        ...(r.retryAfter ? { 'retry-after': String(r.retryAfter) } : {}),
      })
      .end(refusalPage(r, { zh: '无法观看直播', en: 'Cannot watch the live stream' }));
    return true;
  }
}
