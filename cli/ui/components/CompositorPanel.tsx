// The conference screen's compositor panel (key E): one row per composed picture — one encoder —
// with its output class, size@frame rate, bitrate (kbit/s), whose picture and the rooms shown it; then the
// sources decoded and those on no screen. What `conf show` prints, in the same words
// (data/compositorUse.ts), laid out in aligned columns cut to the terminal's width.
import { Box, Text } from 'ink';
import type { ConferenceView } from '../../../protocol/index.js';
import { compositorWords, type CompositorWords } from '../data/compositorUse.js';
import { fit, fitList, stringWidth, truncate } from '../format.js';
import { localName, useI18n, type T, type UiLang } from '../i18n/index.js';

/** A source by the name the operator knows (小关镇, Education Bureau), its id when it has none. */
function namer(c: ConferenceView, lang: UiLang): (id: string) => string {
  return (id) => {
    const p = c.participants.find((x) => x.endpointId === id);
    return p ? localName(p.name, lang, id) : id;
  };
}

function use(c: ConferenceView, lang: UiLang, t: T): CompositorWords | undefined {
  return compositorWords(c.multiview, namer(c, lang), t);
}

/** Encoder rows shown within `rows`: all when they fit, else rows − 1 and a "… n more" line. */
function shownEncoders(n: number, rows: number): { shown: number; more: number } {
  const r = Math.max(2, rows);
  return n <= r ? { shown: n, more: 0 } : { shown: r - 1, more: n - (r - 1) };
}

/** How many lines the panel takes (its top margin included) when given `rows` for its encoders. */
export function compositorPanelLines(c: ConferenceView, rows: number, lang: UiLang, t: T): number {
  const u = use(c, lang, t);
  if (!u || u.encoders.length === 0) return 2;
  const { shown, more } = shownEncoders(u.encoders.length, rows);
  return 1 + 1 + shown + (more ? 1 : 0) + 1 + (u.offScreen.length ? 1 : 0);
}

export function CompositorPanel({ conference: c, width, rows }: { conference: ConferenceView; width: number; rows: number }) {
  const { t, lang } = useI18n();
  const u = use(c, lang, t);
  if (!u || u.encoders.length === 0) {
    return (
      <Box marginTop={1}>
        <Text dimColor wrap="truncate-end">{t(u ? 'mv.idle' : 'mv.off')}</Text>
      </Box>
    );
  }
  const { shown, more } = shownEncoders(u.encoders.length, rows);
  // aligned columns: number, class, size@fps, bitrate; then whose picture and its rooms in what is left
  const cells = u.encoders.slice(0, shown).map((e, i) => [`${i + 1}.`, e.codec, `${e.size}@${e.fps}`, `${e.kbps}k`]);
  const widths = cells[0]!.map((_, col) => Math.max(...cells.map((row) => stringWidth(row[col]!))));
  const more$ = (n: number) => t('mv.more', { n });
  const listLine = (key: 'mv.decoding' | 'mv.offScreen', list: string[]) =>
    t(key, { list: fitList(list, width - stringWidth(t(key, { list: '' })), more$) });
  return (
    <Box marginTop={1} flexDirection="column">
      <Text bold wrap="truncate-end">{truncate(t('mv.head', { encoders: u.encoders.length, decoding: u.decoding.length }), width)}</Text>
      {cells.map((row, i) => {
        const head = `${row.map((cell, col) => fit(cell, widths[col]!, col === 3 ? 'right' : 'left')).join(' ')} ${u.encoders[i]!.what} → `;
        return <Text key={i} wrap="truncate-end">{truncate(head + fitList(u.encoders[i]!.rooms, width - stringWidth(head), more$), width)}</Text>;
      })}
      {more ? <Text dimColor wrap="truncate-end">{truncate(t('mv.moreEncoders', { n: more }), width)}</Text> : null}
      <Text wrap="truncate-end">{truncate(listLine('mv.decoding', u.decoding), width)}</Text>
      {u.offScreen.length ? <Text dimColor wrap="truncate-end">{truncate(listLine('mv.offScreen', u.offScreen), width)}</Text> : null}
    </Box>
  );
}
