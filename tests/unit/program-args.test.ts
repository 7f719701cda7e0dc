// The ffmpeg command lines of recording and live streaming (issue #16: "reuse the composite's H.264
// output, no second encode"; "live output reuses the recording's encode"): the picture is copied
// everywhere, the sound is encoded to AAC in exactly one place (the program mux) and copied by every
// writer; rtmps:// pushes check the server's certificate unless told not to.
import { describe, expect, it } from 'vitest';
import { encoderArgs, READER_INPUT } from '../../daemon/media/program/ProgramMux.js';
import { ffmpegArgs } from '../../daemon/media/program/FfmpegRecorder.js';
import { hlsArgs, rtmpArgs } from '../../daemon/media/live/ffmpegArgs.js';

/** The codec each stream gets: the value after -c, -c:v, -c:a (and their later overrides). */
function codecs(args: string[]): { video?: string; audio?: string } {
  const out: { video?: string; audio?: string } = {};
  args.forEach((a, i) => {
    const v = args[i + 1];
    if (a === '-c' || a === '-codec') out.video = out.audio = v;
    if (a === '-c:v' || a === '-vcodec') out.video = v;
    if (a === '-c:a' || a === '-acodec') out.audio = v;
  });
  return out;
}

const writers = {
  recorder: ffmpegArgs('/rec/part-1.mp4'),
  hls: hlsArgs('/live/c-1'),
  rtmp: rtmpArgs('rtmp://live.example/app/key'),
  rtmps: rtmpArgs('rtmps://live.example/app/key'),
};

describe('recording and live ffmpeg lines', () => {
  it('the program mux copies the picture and encodes the sound to AAC once', () => {
    expect(codecs(encoderArgs())).toEqual({ video: 'copy', audio: 'aac' });
  });

  it('every writer reads the mux on stdin and copies both streams (no decode, no encode)', () => {
    for (const [name, args] of Object.entries(writers)) {
      expect(codecs(args), name).toEqual({ video: 'copy', audio: 'copy' });
      const at = args.indexOf('-i');
      expect(args.slice(at - READER_INPUT.length + 2, at + 2), name).toEqual(READER_INPUT);
      expect(
        args.filter((a) => /x264|libopus|^aac$/.test(a)),
        name,
      ).toEqual([]);
    }
  });

  it('rtmps:// checks the certificate (system CAs, or only the given CA file); verify false says so; rtmp:// has no TLS options', () => {
    const tls = (args: string[]) =>
      args.filter((a, i) => a.startsWith('-tls') || a === '-ca_file' || args[i - 1]?.match(/^-(tls_verify|ca_file)$/));
    expect(tls(writers.rtmps)).toEqual(['-tls_verify', '1']);
    expect(tls(rtmpArgs('rtmps://h/app/k', { verify: true, caFile: '/etc/ca.pem' }))).toEqual([
      '-tls_verify',
      '1',
      '-ca_file',
      '/etc/ca.pem',
    ]);
    expect(tls(rtmpArgs('rtmps://h/app/k', { verify: false }))).toEqual(['-tls_verify', '0']);
    expect(tls(writers.rtmp)).toEqual([]);
    // the URL stays the last argument (ffmpeg's output)
    expect(writers.rtmps.at(-1)).toBe('rtmps://live.example/app/key');
  });
});
