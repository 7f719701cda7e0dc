// Which configured endpoints a request names (daemon/conference/requestedSites.ts): the sites a new
// conference dials, in order and each once, and the refusals that name what is wrong; the sites a
// group polls inside one conference.
import { describe, expect, it } from 'vitest';
import { SiteConfig } from '../../daemon/config/schema.js';
import { endpointOf, pollSitesOf, requestedEndpoints } from '../../daemon/conference/requestedSites.js';
import { refused as refusal } from '../helpers/errorTemplates.js';

const site = (id: string, groups: string[] = []) => ({
  id,
  name: { zh: id, en: id },
  kind: 'town',
  uri: `sip:${id}@127.0.0.1:5999`,
  groups,
});
const cfg = SiteConfig.parse({
  site: { name: 'test' },
  operators: [{ name: 'a', role: 'operator', tokenHash: `sha256:${'0'.repeat(64)}` }],
  groups: [
    { id: 'towns', name: { zh: '乡镇', en: 'Towns' } },
    { id: 'bureaus', name: { zh: '委局', en: 'Bureaus' } },
  ],
  endpoints: [site('zhengzhou'), site('city'), site('mihe', ['towns']), site('xiaoguan', ['towns']), site('water')],
});
const free = (): undefined => undefined;

describe('requestedEndpoints', () => {
  it('orders upstream, chair, the group, the list, each site once', () => {
    const eps = requestedEndpoints(
      cfg,
      { upstream: 'zhengzhou', chair: 'city', group: 'towns', endpoints: ['water', 'mihe', 'city'] },
      free,
    );
    expect(eps.map((e) => e.id)).toEqual(['zhengzhou', 'city', 'mihe', 'xiaoguan', 'water']);
  });

  it('an unknown group is GROUP_UNKNOWN naming the configured groups', () => {
    const e = refusal(() => requestedEndpoints(cfg, { group: 'villages' }, free));
    expect(e.code).toBe('GROUP_UNKNOWN');
    expect(e.message).toBe('no group "villages" in the site config (groups: towns, bureaus)');
  });

  it('no site at all is BAD_REQUEST; a group without members counts as none', () => {
    expect(refusal(() => requestedEndpoints(cfg, {}, free)).code).toBe('BAD_REQUEST');
    expect(refusal(() => requestedEndpoints(cfg, { group: 'bureaus' }, free)).code).toBe('BAD_REQUEST');
  });

  it('an unknown endpoint is ENDPOINT_UNKNOWN naming it', () => {
    const e = refusal(() => requestedEndpoints(cfg, { endpoints: ['mihe', 'nowhere'] }, free));
    expect(e.code).toBe('ENDPOINT_UNKNOWN');
    expect(e.message).toMatch(/"nowhere"/);
    expect(refusal(() => endpointOf(cfg, 'nowhere')).code).toBe('ENDPOINT_UNKNOWN');
    expect(endpointOf(cfg, 'water').id).toBe('water');
  });

  it('sites another meeting holds are ENDPOINT_BUSY, every one of them named with its meeting', () => {
    const held = { id: 'c1', title: '周例会' };
    const e = refusal(() =>
      requestedEndpoints(cfg, { group: 'towns', endpoints: ['water'] }, (id) => (id === 'water' ? undefined : held)),
    );
    expect(e.code).toBe('ENDPOINT_BUSY');
    expect(e.message).toBe('mihe is in conference c1 ("周例会"); xiaoguan is in conference c1 ("周例会")');
    expect(e.details).toEqual({ endpoints: ['mihe', 'xiaoguan'] });
  });
});

describe('pollSitesOf', () => {
  const conf = { id: 'c1', endpointIds: ['city', 'mihe', 'water'] };

  it('without a group: the list as given, or null (every site)', () => {
    expect(pollSitesOf(cfg, conf, undefined, undefined)).toBeNull();
    expect(pollSitesOf(cfg, conf, ['water', 'mihe'], undefined)).toEqual(['water', 'mihe']);
  });

  it('a group adds its members that are in the meeting, after the list, each once', () => {
    expect(pollSitesOf(cfg, conf, ['water', 'mihe'], 'towns')).toEqual(['water', 'mihe']);
    expect(pollSitesOf(cfg, conf, ['water'], 'towns')).toEqual(['water', 'mihe']);
  });

  it('an unknown group, or one with no member in the meeting, is refused', () => {
    expect(refusal(() => pollSitesOf(cfg, conf, undefined, 'villages')).code).toBe('GROUP_UNKNOWN');
    const e = refusal(() => pollSitesOf(cfg, conf, undefined, 'bureaus'));
    expect(e.code).toBe('BAD_REQUEST');
    expect(e.message).toBe('no site of group "bureaus" is in conference c1');
  });
});
