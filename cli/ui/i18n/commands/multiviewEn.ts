// The plain commands' words, English: the multi-picture layouts and what the compositor encodes and decodes (`conf show`).
// Part of cliEn (../cliEn.ts); multiviewZh.ts translates every key with the same placeholders.
export const multiviewEn = {
  'c.mv.layout': 'layout {layout}',
  'c.mv.banner': '; banner "{banner}"',
  'c.mv.personal': '  {site}: personal layout {layout}',
  'c.mv.pinned': '  pinned ({owner}): {pins}',
  'c.mv.see': '  {sites} see {layout}: {panes}',
  'c.mv.transcoded': ' (transcoded)',
  'c.mv.confOwner': 'conference',
  'c.mv.encoders': '  encoders ({n}):',
  'c.mv.encoder': '    {i}. {codec}, {size}, {fps} fps, {kbps} kbit/s: {what} → {rooms}',
  'c.mv.codecH264': 'H.264 (mode {mode})',
  'c.mv.encConf': 'conference layout {layout}',
  'c.mv.encPersonal': "{site}'s layout {layout}",
  'c.mv.encTx': '{site} transcoded',
  'c.mv.encProgram': 'program feed',
  'c.mv.decoding': '  decoding ({n}): {list}',
  'c.mv.noPicture': ' (no picture)',
  'c.mv.offScreen': '  not decoded (on no screen): {list}',
} as const;
