import { isDeepStrictEqual } from 'node:util';
import type { Endpoint, SiteConfig } from './schema.js';

// What a SIGHUP reload changes, in words an operator reads in the log. Secrets are never shown:
// a changed password or token is reported by field name only.

export interface ConfigChange {
  text: string;
  /** The daemon cannot apply this one live (sockets already bound, workers already started). */
  needsRestart: boolean;
}

const RESTART_SECTIONS = [
  ['sip', 'SIP listeners/TLS/identity'],
  ['media', 'media ports and addresses'],
  ['api', 'control API bind/TLS'],
] as const;

const LIVE_SECTIONS = [
  ['health', 'health probing'],
  ['scheduler', 'scheduler limits'],
  ['logging', 'logging'],
  ['recording', 'recording settings'],
  ['live', 'live streaming settings'],
] as const;

function changedKeys<T extends object>(a: T, b: T): string[] {
  const keys = new Set([...Object.keys(a), ...Object.keys(b)]);
  return [...keys]
    .filter((k) => !isDeepStrictEqual((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k]))
    .sort();
}

function label(e: { id: string; name: { zh: string } }): string {
  return `${e.id} (${e.name.zh})`;
}

function byId<T extends { id: string }>(list: readonly T[]): Map<string, T> {
  return new Map(list.map((x) => [x.id, x]));
}

export function describeConfigChanges(a: SiteConfig, b: SiteConfig): ConfigChange[] {
  const out: ConfigChange[] = [];
  const live = (text: string): void => void out.push({ text, needsRestart: false });
  const restart = (text: string): void => void out.push({ text, needsRestart: true });

  if (a.site.name !== b.site.name) live(`site name: "${a.site.name}" → "${b.site.name}"`);
  if (a.site.timezone !== b.site.timezone) live(`site timezone: ${a.site.timezone} → ${b.site.timezone}`);

  for (const [section, what] of RESTART_SECTIONS) {
    const keys = changedKeys(a[section], b[section]);
    if (keys.length) restart(`${what} changed (${keys.map((k) => `${section}.${k}`).join(', ')}) — needs restart`);
  }
  for (const [section, what] of LIVE_SECTIONS) {
    const keys = changedKeys(a[section] ?? {}, b[section] ?? {});
    if (keys.length) live(`${what} changed (${keys.map((k) => `${section}.${k}`).join(', ')})`);
  }

  const ga = byId(a.groups);
  const gb = byId(b.groups);
  for (const [id, g] of gb) if (!ga.has(id)) live(`group added: ${label(g)}`);
  for (const [id, g] of ga) if (!gb.has(id)) live(`group removed: ${label(g)}`);
  for (const [id, g] of gb) {
    const old = ga.get(id);
    if (old && !isDeepStrictEqual(old, g)) live(`group changed: ${label(g)} (name)`);
  }

  const ea = byId(a.endpoints);
  const eb = byId(b.endpoints);
  for (const [id, e] of eb) if (!ea.has(id)) live(`endpoint added: ${label(e)} ${e.uri}`);
  for (const [id, e] of ea) if (!eb.has(id)) live(`endpoint removed: ${label(e)}`);
  for (const [id, e] of eb) {
    const old = ea.get(id);
    if (!old) continue;
    const keys = changedKeys<Endpoint>(old, e);
    if (!keys.length) continue;
    const uri = old.uri !== e.uri ? `; uri ${old.uri} → ${e.uri}` : '';
    live(`endpoint changed: ${label(e)} (${keys.join(', ')}${uri})`);
  }

  const ta = byId(a.templates);
  const tb = byId(b.templates);
  for (const [id, t] of tb) if (!ta.has(id)) live(`template added: ${label(t)}`);
  for (const [id, t] of ta) if (!tb.has(id)) live(`template removed: ${label(t)}`);
  for (const [id, t] of tb) {
    const old = ta.get(id);
    const keys = old ? changedKeys(old, t) : [];
    if (keys.length) live(`template changed: ${label(t)} (${keys.join(', ')})`);
  }

  const oa = new Map(a.operators.map((o) => [o.name, o]));
  const ob = new Map(b.operators.map((o) => [o.name, o]));
  for (const [name, o] of ob) if (!oa.has(name)) live(`operator added: ${name} (${o.role})`);
  for (const name of oa.keys()) if (!ob.has(name)) live(`operator removed: ${name}`);
  for (const [name, o] of ob) {
    const old = oa.get(name);
    if (!old) continue;
    if (old.role !== o.role) live(`operator ${name}: role ${old.role} → ${o.role}`);
    if (old.tokenHash !== o.tokenHash) live(`operator ${name}: token replaced`);
  }
  return out;
}

/** Human-readable list of what differs between two configs (empty when nothing does). */
export function diffConfig(a: SiteConfig, b: SiteConfig): string[] {
  return describeConfigChanges(a, b).map((c) => c.text);
}

export function needsRestart(a: SiteConfig, b: SiteConfig): boolean {
  return describeConfigChanges(a, b).some((c) => c.needsRestart);
}
