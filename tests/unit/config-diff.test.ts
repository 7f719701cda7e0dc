import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { parseConfig } from '../../daemon/config/load.js';
import { describeConfigChanges, diffConfig, needsRestart } from '../../daemon/config/diff.js';
import { hashToken } from '../../daemon/config/tokens.js';
import type { SiteConfig } from '../../daemon/config/schema.js';

const base = parseConfig(readFileSync('configs/gongyi.example.yaml', 'utf8'), 'gongyi.example.yaml', {
  env: {},
}).config;
const clone = (): SiteConfig => structuredClone(base);

describe('diffConfig', () => {
  it('reports nothing for identical configs', () => {
    expect(diffConfig(base, clone())).toEqual([]);
    expect(needsRestart(base, clone())).toBe(false);
  });

  it('names endpoints added, removed and changed by id, with the changed fields', () => {
    const next = clone();
    next.endpoints = next.endpoints.filter((e) => e.id !== 'mihe');
    const xg = next.endpoints.find((e) => e.id === 'xiaoguan');
    if (!xg) throw new Error('xiaoguan missing from the example');
    xg.uri = 'sip:xiaoguan@127.0.1.99:5060';
    xg.testCall = true;
    next.endpoints.push({ ...xg, id: 'xinzhen', name: { zh: '新镇', en: 'Xinzhen' }, uri: 'sip:x@127.0.9.1' });
    const changes = diffConfig(base, next);
    expect(changes).toContain('endpoint removed: mihe (米河镇)');
    expect(changes).toContain('endpoint added: xinzhen (新镇) sip:x@127.0.9.1');
    expect(changes).toContain(
      'endpoint changed: xiaoguan (小关镇) (testCall, uri; uri sip:xiaoguan@127.0.1.3:5060 → sip:xiaoguan@127.0.1.99:5060)',
    );
    expect(needsRestart(base, next)).toBe(false);
  });

  it('reports operator changes without revealing tokens, and a changed password by field only', () => {
    const next = clone();
    const demo = next.operators.find((o) => o.name === 'demo');
    if (!demo) throw new Error('demo operator missing');
    demo.role = 'viewer';
    demo.tokenHash = hashToken('new-token');
    next.operators.push({ name: 'li', role: 'technician', tokenHash: hashToken('li') });
    const zz = next.endpoints.find((e) => e.id === 'zhengzhou');
    if (!zz?.credentials) throw new Error('upstream credentials missing');
    zz.credentials.password = 'changed-secret';
    const changes = diffConfig(base, next);
    expect(changes).toEqual(
      expect.arrayContaining([
        'operator added: li (technician)',
        'operator demo: role operator → viewer',
        'operator demo: token replaced',
        'endpoint changed: zhengzhou (郑州市政府) (credentials)',
      ]),
    );
    expect(changes.join('\n')).not.toMatch(/changed-secret|sha256:/);
  });

  it('flags listener, API and media changes as needing a restart, and logging as live', () => {
    const next = clone();
    next.sip.listen = [{ transport: 'udp', host: '127.0.0.1', port: 5070 }];
    next.api.port = 7444;
    next.logging.level = 'debug';
    const changes = describeConfigChanges(base, next);
    expect(changes).toEqual(
      expect.arrayContaining([
        { text: expect.stringMatching(/sip\.listen.*needs restart/) as unknown, needsRestart: true },
        { text: expect.stringMatching(/api\.port.*needs restart/) as unknown, needsRestart: true },
        { text: 'logging changed (logging.level)', needsRestart: false },
      ]),
    );
    expect(needsRestart(base, next)).toBe(true);
  });
});
