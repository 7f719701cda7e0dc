// ffmpeg command lines of live streaming. Both read the conference's muxed program (ProgramMux: MPEG-TS
// on stdin) and copy it untouched: the picture is encoded once, by the compositor or the room that has
// the floor, the sound once to AAC by the program mux for the recording and every live output.
import { join } from 'node:path';
import { say } from '../../../protocol/index.js';
import { VcError } from '../../errors.js';
import { READER_INPUT } from '../program/ProgramMux.js';

/** HLS: segment length asked of the muxer (it cuts on the feed's keyframes, so a segment is at least
 *  one GOP), playlist length, and segments kept on disk beyond the playlist for slow players. */
export const HLS_SEGMENT_SECONDS = 2;
export const HLS_PLAYLIST_SEGMENTS = 6;
export const HLS_EXTRA_SEGMENTS_KEPT = 3;
export const HLS_PLAYLIST = 'index.m3u8';
/** Segment file names the packager writes, and the only ones served: seg00000.ts, seg00001.ts, ... */
export const HLS_SEGMENT_NAME = /^seg\d{5,9}\.ts$/;
/** Longest RTMP URL accepted. */
export const MAX_RTMP_URL_CHARS = 1024;

/** A reader of the conference's muxed program (stdin): both streams copied — the picture as encoded
 *  once upstream, the sound as the program mux encoded it once to AAC for every output. */
const input = (): string[] => [
  ...['-hide_banner', '-nostats', '-loglevel', 'warning', '-progress', 'pipe:1'],
  ...['-fflags', '+nobuffer', ...READER_INPUT],
  ...['-map', '0:v:0', '-map', '0:a:0?', '-c', 'copy', '-max_interleave_delta', '500000'],
];

/** The HLS packager: `dir`/index.m3u8 and `dir`/segNNNNN.ts, old segments deleted. */
export function hlsArgs(dir: string): string[] {
  return [
    ...input(),
    '-f',
    'hls',
    '-hls_time',
    String(HLS_SEGMENT_SECONDS),
    '-hls_list_size',
    String(HLS_PLAYLIST_SEGMENTS),
    '-hls_delete_threshold',
    String(HLS_EXTRA_SEGMENTS_KEPT),
    '-hls_flags',
    'delete_segments+independent_segments+omit_endlist+temp_file',
    '-hls_segment_filename',
    join(dir, 'seg%05d.ts'),
    join(dir, HLS_PLAYLIST),
  ];
}

/** How an rtmps:// push checks the server's certificate (config `live`). */
export interface RtmpsTrust {
  /** Check the certificate chain and the host name (ffmpeg's own default is not to). */
  verify: boolean;
  /** Trust only this CA file (PEM); default: the system's trusted CAs. */
  caFile?: string;
}

/** One RTMP push (flv). rtmps:// checks the server's certificate unless `trust.verify` is false:
 *  ffmpeg 5.1 (GnuTLS) would otherwise accept any certificate (`tls_verify` defaults to 0). */
export function rtmpArgs(url: string, trust: RtmpsTrust = { verify: true }): string[] {
  const tls = !url.toLowerCase().startsWith('rtmps:')
    ? []
    : trust.verify
      ? ['-tls_verify', '1', ...(trust.caFile ? ['-ca_file', trust.caFile] : [])]
      : ['-tls_verify', '0'];
  return [...input(), '-f', 'flv', '-flvflags', 'no_duration_filesize', '-rw_timeout', '10000000', ...tls, url];
}

/** An operator's RTMP target: rtmp:// or rtmps://, a host, no spaces or control characters. */
export function checkRtmpUrl(raw: string): string {
  const url = raw.trim();
  if (!url) throw new VcError('PARAMS_INVALID', say('media.live.urlEmpty'));
  if (url.length > MAX_RTMP_URL_CHARS)
    throw new VcError('PARAMS_INVALID', say('media.live.urlLong', { max: MAX_RTMP_URL_CHARS }));
  if (/[\s\p{Cc}]/u.test(url)) throw new VcError('PARAMS_INVALID', say('media.live.urlSpaces'));
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    throw new VcError('PARAMS_INVALID', say('media.live.notUrl', { url: redactRtmpUrl(url) }));
  }
  if (u.protocol !== 'rtmp:' && u.protocol !== 'rtmps:')
    throw new VcError('PARAMS_INVALID', say('media.live.scheme', { scheme: u.protocol.replace(/:$/, '') }));
  if (!u.hostname) throw new VcError('PARAMS_INVALID', say('media.live.noHost'));
  if (u.pathname.length < 2) throw new VcError('PARAMS_INVALID', say('media.live.noApp'));
  return url;
}

/** An RTMP URL as shown and logged: scheme, host and application, the stream key (last path segment,
 *  query, userinfo) hidden — it is the secret that lets anyone publish to that channel. */
export function redactRtmpUrl(url: string): string {
  try {
    const u = new URL(url);
    const parts = u.pathname.split('/').filter(Boolean);
    const shown = parts.length > 1 ? `/${parts.slice(0, -1).join('/')}/***` : `/${parts.join('/')}`;
    return `${u.protocol}//${u.host}${shown}`;
  } catch {
    return say('media.live.invalidUrl');
  }
}
