import { isDeepStrictEqual } from 'node:util';
import { say, type ReasonKey } from '../../protocol/index.js';
import type { Endpoint, SiteConfig } from './schema.js';

// What a SIGHUP reload changes, in words an operator reads in the log. Secrets are never shown:
// a changed password or token is reported by field name only.

export interface ConfigChange {
  text: string;
  /** The daemon cannot apply this one live (sockets already bound, workers already started). */
  needsRestart: boolean;
}

// each section's change is a template of its own (config.ch.<section>)
const RESTART_SECTIONS = ['sip', 'media', 'api'] as const;
const LIVE_SECTIONS = ['health', 'scheduler', 'logging', 'recording', 'live'] as const;

const roleWord = (role: string): string => say(`config.role.${role}` as ReasonKey);

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

  if (a.site.name !== b.site.name) live(say('config.ch.siteName', { from: a.site.name, to: b.site.name }));
  if (a.site.timezone !== b.site.timezone)
    live(say('config.ch.timezone', { from: a.site.timezone, to: b.site.timezone }));

  const keysOf = (section: string, keys: string[]): string => keys.map((k) => `${section}.${k}`).join(', ');
  for (const section of RESTART_SECTIONS) {
    const keys = changedKeys(a[section], b[section]);
    if (keys.length) restart(say(`config.ch.${section}`, { keys: keysOf(section, keys) }));
  }
  for (const section of LIVE_SECTIONS) {
    const keys = changedKeys(a[section] ?? {}, b[section] ?? {});
    if (keys.length) live(say(`config.ch.${section}`, { keys: keysOf(section, keys) }));
  }

  const ga = byId(a.groups);
  const gb = byId(b.groups);
  for (const [id, g] of gb) if (!ga.has(id)) live(say('config.ch.groupAdded', { label: label(g) }));
  for (const [id, g] of ga) if (!gb.has(id)) live(say('config.ch.groupRemoved', { label: label(g) }));
  for (const [id, g] of gb) {
    const old = ga.get(id);
    if (old && !isDeepStrictEqual(old, g)) live(say('config.ch.groupChanged', { label: label(g) }));
  }

  const ea = byId(a.endpoints);
  const eb = byId(b.endpoints);
  for (const [id, e] of eb) if (!ea.has(id)) live(say('config.ch.endpointAdded', { label: label(e), uri: e.uri }));
  for (const [id, e] of ea) if (!eb.has(id)) live(say('config.ch.endpointRemoved', { label: label(e) }));
  for (const [id, e] of eb) {
    const old = ea.get(id);
    if (!old) continue;
    const keys = changedKeys<Endpoint>(old, e);
    if (!keys.length) continue;
    live(
      old.uri !== e.uri
        ? say('config.ch.endpointMoved', { label: label(e), keys: keys.join(', '), from: old.uri, to: e.uri })
        : say('config.ch.endpointChanged', { label: label(e), keys: keys.join(', ') }),
    );
  }

  const ta = byId(a.templates);
  const tb = byId(b.templates);
  for (const [id, t] of tb) if (!ta.has(id)) live(say('config.ch.templateAdded', { label: label(t) }));
  for (const [id, t] of ta) if (!tb.has(id)) live(say('config.ch.templateRemoved', { label: label(t) }));
  for (const [id, t] of tb) {
    const old = ta.get(id);
    const keys = old ? changedKeys(old, t) : [];
    if (keys.length) live(say('config.ch.templateChanged', { label: label(t), keys: keys.join(', ') }));
  }

  const oa = new Map(a.operators.map((o) => [o.name, o]));
  const ob = new Map(b.operators.map((o) => [o.name, o]));
  for (const [name, o] of ob) if (!oa.has(name)) live(say('config.ch.operatorAdded', { name, role: roleWord(o.role) }));
  for (const name of oa.keys()) if (!ob.has(name)) live(say('config.ch.operatorRemoved', { name }));
  for (const [name, o] of ob) {
    const old = oa.get(name);
    if (!old) continue;
    if (old.role !== o.role)
      live(say('config.ch.operatorRole', { name, from: roleWord(old.role), to: roleWord(o.role) }));
    if (old.tokenHash !== o.tokenHash) live(say('config.ch.operatorToken', { name }));
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
