// What the compositor does now, in words, for `conf show` (lines) and the console's panel (rows):
// one entry per composed picture (one encoder each) with its output class, whose picture it is and
// the rooms shown it, then the sources decoded and those on no screen. The two differ only in how
// they lay the words out; who a source is (site id, or a name) the caller says.
import type { MultiviewInfo } from '../../../protocol/index.js';
import type { T } from '../i18n/translate.js';

export interface EncoderWords {
  /** "H.264 (mode 1)", "VP8". */
  codec: string;
  /** "1280×720". */
  size: string;
  fps: number;
  kbps: number;
  /** Whose picture: "conference layout 2x2", "mihe's layout 1", "Mihe transcoded". */
  what: string;
  /** The rooms shown it, in conference order, and "program feed" last when recording/streaming takes it. */
  rooms: string[];
}

export interface CompositorWords {
  encoders: EncoderWords[];
  /** The sources decoded, "(no picture)" added to one whose decoder shows nothing yet. */
  decoding: string[];
  /** Sources with video that are on no screen (not decoded). */
  offScreen: string[];
}

/** The compositor's use in words; undefined while no compositor runs. */
export function compositorWords(
  m: MultiviewInfo | undefined,
  who: (id: string) => string,
  t: T,
): CompositorWords | undefined {
  if (!m?.encoders) return undefined;
  const encoders = m.encoders.map((e): EncoderWords => {
    const mode = /^H264\/([01])$/.exec(e.codec)?.[1];
    return {
      codec: mode === undefined ? e.codec : t('c.mv.codecH264', { mode }),
      size: `${e.width}×${e.height}`,
      fps: e.fps,
      kbps: e.kbps,
      what:
        e.kind === 'personal'
          ? t('c.mv.encPersonal', { site: who(e.site ?? '?'), layout: e.layout })
          : e.kind === 'transcoded'
            ? t('c.mv.encTx', { site: who(e.site ?? '?') })
            : t('c.mv.encConf', { layout: e.layout }),
      rooms: [...e.rooms.map(who), ...(e.program ? [t('c.mv.encProgram')] : [])],
    };
  });
  return {
    encoders,
    decoding: (m.decoding ?? []).map((d) => who(d.source) + (d.live ? '' : t('c.mv.noPicture'))),
    offScreen: (m.offScreen ?? []).map(who),
  };
}
