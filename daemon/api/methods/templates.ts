import { z } from 'zod';
import type { SiteConfig, Template } from '../../config/schema.js';
import { findTemplate, templateSites } from '../../config/templates.js';
import type { TemplateView } from '../../../protocol/index.js';
import type { MethodRouter } from '../MethodRouter.js';

// template.list / template.show: the meeting templates of the config in force (a reload changes them).

function templateView(config: SiteConfig, t: Template): TemplateView {
  return {
    id: t.id,
    name: t.name,
    title: t.title ?? t.name.zh,
    endpoints: t.endpoints,
    groups: t.groups,
    sites: templateSites(config, t),
    chair: t.chair ?? null,
    upstream: t.upstream ?? null,
    mode: t.mode ?? null,
    durationMinutes: t.durationMinutes ?? null,
    ...(t.layout !== undefined ? { layout: t.layout } : {}),
    ...(t.polling ? { polling: { ...t.polling } } : {}),
    ...(t.record !== undefined ? { record: t.record } : {}),
    ...(t.workdays ? { workdays: t.workdays } : {}),
  };
}

export function registerTemplateMethods(router: MethodRouter, config: () => SiteConfig): void {
  router.register('template.list', z.object({}).strict().optional(), (): TemplateView[] => {
    const cfg = config();
    return cfg.templates.map((t) => templateView(cfg, t));
  });
  router.register('template.show', z.object({ id: z.string().min(1).max(64) }).strict(), (p): TemplateView => {
    const cfg = config();
    return templateView(cfg, findTemplate(cfg, p.id));
  });
}
