import { say } from '../../protocol/index.js';
import { VcError } from '../errors.js';
import type { SiteConfig, Template, TemplatePolling } from './schema.js';

// Meeting templates (会议模板) turned into what conference.start and schedule.add take. What the
// caller gives wins over the template; the template's groups become their member sites, so a
// template reads the same whichever command uses it.

export interface TemplatedRequest {
  template?: string;
  title?: string;
  endpoints?: string[];
  group?: string;
  upstream?: string;
  chair?: string;
  mode?: Template['mode'];
  durationMinutes?: number;
  workdays?: 'cn';
  /** The multi-picture layout the meeting starts with (a template's; not from the API). */
  layout?: Template['layout'];
  /** Auto-polling that starts with the meeting (a template's; not from the API). */
  polling?: TemplatePolling;
  record?: boolean;
}

export function findTemplate(config: SiteConfig, id: string): Template {
  const t = config.templates.find((x) => x.id === id);
  if (!t) {
    const known = config.templates.map((x) => x.id).join(', ');
    throw new VcError(
      'TEMPLATE_UNKNOWN',
      known ? say('err.templateUnknown', { id, known }) : say('err.templateNone', { id }),
      { template: id },
    );
  }
  return t;
}

/** Every site a template takes: its endpoints, the members of its groups, its chair (config order). */
export function templateSites(config: SiteConfig, t: Template): string[] {
  const ids = new Set<string>(t.endpoints);
  for (const e of config.endpoints) if (e.groups.some((g) => t.groups.includes(g))) ids.add(e.id);
  if (t.chair !== undefined) ids.add(t.chair);
  if (t.upstream !== undefined) ids.delete(t.upstream);
  return [...ids];
}

/** The request with the template's values filled in where the caller left them out. */
type Applied<P> = P & { title: string } & Pick<TemplatedRequest, 'layout' | 'polling'>;

export function applyTemplate<P extends TemplatedRequest>(config: SiteConfig, p: P): Applied<P> {
  if (p.template === undefined) {
    if (p.title === undefined || p.title.trim() === '') throw new VcError('BAD_REQUEST', say('err.needTitle'));
    return { ...p, title: p.title };
  }
  const t = findTemplate(config, p.template);
  const out: Applied<P> = { ...p, title: p.title ?? t.title ?? t.name.zh };
  // explicit sites add to the template's, so "the weekly meeting plus one bureau" is one command
  out.endpoints = [...new Set([...templateSites(config, t), ...(p.endpoints ?? [])])];
  if (p.upstream === undefined && t.upstream !== undefined) out.upstream = t.upstream;
  if (p.chair === undefined && t.chair !== undefined) out.chair = t.chair;
  if (p.mode === undefined && t.mode !== undefined) out.mode = t.mode;
  if (p.durationMinutes === undefined && t.durationMinutes !== undefined) out.durationMinutes = t.durationMinutes;
  if (p.workdays === undefined && t.workdays !== undefined) out.workdays = t.workdays;
  if (t.layout !== undefined) out.layout = t.layout;
  if (t.polling !== undefined) out.polling = { ...t.polling };
  if (p.record === undefined && t.record !== undefined) out.record = t.record;
  return out;
}
