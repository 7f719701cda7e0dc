// The live-streaming lines of `conf show` and the reply of `conf stream start|stop`, in the
// operator's language (catalogue keys live.*).
import type { ConferenceStreamStartResult, LiveView } from '../protocol/index.js';
import type { Lang } from './context.js';
import { translator } from './ui/i18n/translate.js';

export function renderLive(live: LiveView | null | undefined, lang: Lang): string {
  if (!live) return '';
  const t = translator(lang);
  const detail = (o: { failures: number; lastError: string | null }): string =>
    [
      o.failures > 0 ? t('live.failures', { n: o.failures }) : '',
      o.lastError ? t('live.lastError', { error: o.lastError }) : '',
    ]
      .filter(Boolean)
      .map((s) => `\n      ${s}`)
      .join('');
  const lines = [`\n${t('live.heading')}`];
  if (live.hls)
    lines.push(
      `  ${t('live.hls', { state: t(`live.state.${live.hls.state}`), viewers: live.hls.viewers })}${detail(live.hls)}`,
    );
  for (const r of live.rtmp)
    lines.push(`  ${t('live.rtmp', { target: r.target, state: t(`live.state.${r.state}`) })}${detail(r)}`);
  return `${lines.join('\n')}\n`;
}

export function renderStreamStart(id: string, r: ConferenceStreamStartResult, lang: Lang): string {
  const t = translator(lang);
  const out = [t('live.started', { id })];
  if (r.url) out.push(t('live.url', { url: r.url }));
  if (r.watchUrl) out.push(t('live.watchUrl', { url: r.watchUrl }));
  if (r.expiresAt) out.push(t('live.until', { until: r.expiresAt }));
  else out.push(t('live.rtmpOnly'));
  return out.join('\n') + renderLive(r.live, lang);
}
