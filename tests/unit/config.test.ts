import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadConfig, parseConfig, type ConfigInvalidDetails } from '../../daemon/config/load.js';
import { resolveSecret } from '../../daemon/config/validate.js';
import { hashToken, DEMO_TOKEN, tokenMatchesHash, findOperatorByToken } from '../../daemon/config/tokens.js';
import { VcError } from '../../daemon/errors.js';
import { replaceOnce } from '../helpers/configIssues.js';

const FILE = 'configs/site-under-test.yaml';
const ENV = { VC_TEST_UPSTREAM: 'upstream-secret' };

const BASE = `site:
  name: Test site
  timezone: Asia/Shanghai
sip:
  listen:
    - { transport: udp, host: 127.0.0.1, port: 5060 }
    - { transport: tcp, host: 127.0.0.1, port: 5060 }
media:
  rtpPorts: { min: 40000, max: 49999 }
  relayPorts: { min: 30000, max: 30999 }
api:
  host: 127.0.0.1
  port: 7443
operators:
  - name: alice
    role: operator
    tokenHash: ${hashToken('alice-token')}
  - name: bob
    role: viewer
    tokenHash: ${hashToken('bob-token')}
groups:
  - { id: towns, name: { zh: 乡镇, en: Towns } }
  - { id: all, name: { zh: 全部, en: All } }
endpoints:
  - id: zhengzhou
    name: { zh: 郑州市政府, en: Zhengzhou }
    kind: upstream
    uri: sip:gongyi@127.0.4.1:5060
    credentials:
      username: gongyi
      password: env:VC_TEST_UPSTREAM
    register: { expires: 600 }
  - id: xiaoguan
    name: { zh: 小关镇, en: Xiaoguan }
    kind: town
    uri: sip:xiaoguan@127.0.1.3:5060
    groups: [towns, all]
  - id: mihe
    name: { zh: 米河镇, en: Mihe }
    kind: town
    uri: sip:mihe@127.0.1.1:5060
    groups: [towns]
`;

/** Replace one exact, unique piece of BASE. */
const mutate = (from: string, to: string, text = BASE): string => replaceOnce(text, from, to);

/** 1-based line of the only line containing `needle`. */
function lineOf(text: string, needle: string): number {
  const lines = text.split('\n');
  const hits = lines.flatMap((l, i) => (l.includes(needle) ? [i + 1] : []));
  if (hits.length !== 1) throw new Error(`expected one line containing "${needle}", found ${hits.length}`);
  return hits[0] as number;
}

function configError(text: string, env: Record<string, string | undefined> = ENV, file = FILE): VcError {
  try {
    parseConfig(text, file, { env });
  } catch (e) {
    expect(e).toBeInstanceOf(VcError);
    return e as VcError;
  }
  throw new Error('the config was accepted but should have been rejected');
}

/** Asserts the error names file, line and field path, and that the issue is in details. */
function expectIssue(err: VcError, line: number, path: string, message: RegExp): void {
  expect(err.code).toBe('CONFIG_INVALID');
  const details = err.details as ConfigInvalidDetails;
  const issue = details.issues.find((i) => i.path === path && i.line === line);
  expect(issue, `no issue at line ${line} path "${path}" in:\n${err.message}`).toBeDefined();
  expect(issue?.message).toMatch(message);
  expect(err.message).toContain(`${FILE}:${line} ${path}: `);
}

describe('site config: the valid base and the examples', () => {
  it('the base config of these tests is valid, so each bad case fails only for its own reason', () => {
    const { config, warnings } = parseConfig(BASE, FILE, { env: ENV });
    expect(config.endpoints.map((e) => e.id)).toEqual(['zhengzhou', 'xiaoguan', 'mihe']);
    expect(warnings).toEqual([]);
  });

  it('configs/gongyi.example.yaml validates with no error and no warning, without any env var', () => {
    const { config, warnings } = loadConfig('configs/gongyi.example.yaml', { env: {} });
    expect(warnings).toEqual([]);
    const kinds = config.endpoints.reduce<Record<string, number>>(
      (m, e) => ({ ...m, [e.kind]: (m[e.kind] ?? 0) + 1 }),
      {},
    );
    expect(kinds).toEqual({ city: 3, upstream: 1, town: 16, subdistrict: 5, bureau: 51 });
    const demo = config.operators.find((o) => o.name === 'demo');
    expect(demo?.role).toBe('operator');
    expect(demo?.tokenHash).toBe(hashToken(DEMO_TOKEN));
    expect(new Set(config.operators.map((o) => o.role))).toEqual(new Set(['operator', 'technician', 'viewer']));
    // every peer has its own loopback host so demo peers can be started side by side
    const hosts = config.endpoints.map((e) => /@([\d.]+):5060$/.exec(e.uri)?.[1]);
    expect(hosts.every((h) => h?.startsWith('127.0.'))).toBe(true);
    expect(new Set(hosts).size).toBe(config.endpoints.length);
    expect(config.api).toMatchObject({ host: '127.0.0.1', port: 7443 });
  });

  it('configs/minimal.example.yaml validates and fills in the defaults', () => {
    const { config, warnings } = loadConfig('configs/minimal.example.yaml', { env: {} });
    expect(warnings).toEqual([]);
    expect(config.sip.listen).toHaveLength(2);
    expect(config.site.timezone).toBe('Asia/Shanghai');
    expect(config.endpoints[0]?.transport).toBe('udp');
  });
});

describe('site config: each kind of mistake names file, line and field', () => {
  it('YAML syntax error', () => {
    const text = mutate('uri: sip:mihe@127.0.1.1:5060', 'uri: sip: mihe@127.0.1.1:5060');
    const err = configError(text);
    expect(err.code).toBe('CONFIG_INVALID');
    expect(err.message).toContain(`${FILE}:${lineOf(text, 'sip: mihe')} YAML syntax error at column`);
  });

  it('a key given twice in one mapping', () => {
    const text = mutate('  timezone: Asia/Shanghai\n', '  timezone: Asia/Shanghai\n  name: Again\n');
    const err = configError(text);
    expect(err.message).toMatch(new RegExp(`${FILE}:${lineOf(text, 'name: Again')} .*unique`));
  });

  it('unknown top-level key, with a suggestion', () => {
    const text = mutate('groups:\n', 'grups:\n');
    expectIssue(configError(text), lineOf(text, 'grups:'), 'grups', /unknown key "grups"; did you mean "groups"/);
  });

  it('wrong type', () => {
    const text = mutate('  port: 7443', '  port: "seven"');
    expectIssue(configError(text), lineOf(text, 'port: "seven"'), 'api.port', /expected number, got string "seven"/);
  });

  it('bad endpoint id', () => {
    const text = mutate('  - id: mihe', '  - id: Mi He');
    expectIssue(configError(text), lineOf(text, 'id: Mi He'), 'endpoints[2].id', /lower-case/);
  });

  it('duplicate endpoint id', () => {
    const text = mutate('  - id: mihe', '  - id: xiaoguan');
    const line = text.split('\n').lastIndexOf('  - id: xiaoguan') + 1;
    expectIssue(
      configError(text),
      line,
      'endpoints[2].id',
      /duplicate endpoint id "xiaoguan" \(already used by endpoints\[1\]\)/,
    );
  });

  it('duplicate group id', () => {
    const text = mutate(
      '  - { id: all, name: { zh: 全部, en: All } }',
      '  - { id: towns, name: { zh: 全部, en: All } }',
    );
    expectIssue(configError(text), lineOf(text, 'zh: 全部'), 'groups[1].id', /duplicate group id "towns"/);
  });

  it('endpoint in an unknown group', () => {
    const text = mutate('    groups: [towns]\n', '    groups: [towns, villages]\n');
    expectIssue(
      configError(text),
      lineOf(text, 'villages'),
      'endpoints[2].groups[1]',
      /unknown group "villages" \(known: towns, all\)/,
    );
  });

  it('bad SIP URI', () => {
    const text = mutate('uri: sip:mihe@127.0.1.1:5060', 'uri: http://mihe.example');
    expectIssue(
      configError(text),
      lineOf(text, 'http://mihe'),
      'endpoints[2].uri',
      /not a SIP URI \(expected sip:user@host\[:port\]\)/,
    );
  });

  it('SIP URI with an out-of-range port', () => {
    const text = mutate('uri: sip:mihe@127.0.1.1:5060', 'uri: sip:mihe@127.0.1.1:70000');
    expectIssue(configError(text), lineOf(text, ':70000'), 'endpoints[2].uri', /not a SIP URI/);
  });

  it('bad listen port', () => {
    const text = mutate(
      '{ transport: udp, host: 127.0.0.1, port: 5060 }',
      '{ transport: udp, host: 127.0.0.1, port: 65536 }',
    );
    expectIssue(configError(text), lineOf(text, '65536'), 'sip.listen[0].port', /<= 65535 \(got number 65536\)/);
  });

  it('overlapping port ranges (RTP vs relay)', () => {
    const text = mutate('relayPorts: { min: 30000, max: 30999 }', 'relayPorts: { min: 45000, max: 45999 }');
    expectIssue(configError(text), lineOf(text, 'relayPorts'), 'media.relayPorts', /overlap rtpPorts 40000-49999/);
  });

  it('port range with min greater than max', () => {
    const text = mutate('rtpPorts: { min: 40000, max: 49999 }', 'rtpPorts: { min: 49999, max: 40000 }');
    expectIssue(
      configError(text),
      lineOf(text, 'rtpPorts'),
      'media.rtpPorts.min',
      /min 49999 is greater than max 40000/,
    );
  });

  it('SIP TCP listener on the control API port', () => {
    const text = mutate(
      '{ transport: tcp, host: 127.0.0.1, port: 5060 }',
      '{ transport: tcp, host: 0.0.0.0, port: 7443 }',
    );
    expectIssue(configError(text), lineOf(text, 'port: 7443 }'), 'sip.listen[1].port', /control API's port/);
  });

  it('secret from an environment variable that is not set', () => {
    const err = configError(BASE, {});
    expectIssue(
      err,
      lineOf(BASE, 'env:VC_TEST_UPSTREAM'),
      'endpoints[0].credentials.password',
      /VC_TEST_UPSTREAM is not set/,
    );
    expect(err.message).not.toContain('upstream-secret');
  });

  it('register without credentials', () => {
    const text = mutate('    credentials:\n      username: gongyi\n      password: env:VC_TEST_UPSTREAM\n', '');
    expectIssue(configError(text), lineOf(text, 'register:'), 'endpoints[0].register', /needs credentials/);
  });

  it('challengeDialIn without credentials', () => {
    const text = mutate('    groups: [towns]\n', '    groups: [towns]\n    challengeDialIn: true\n');
    expectIssue(
      configError(text),
      lineOf(text, 'challengeDialIn'),
      'endpoints[2].challengeDialIn',
      /needs credentials/,
    );
  });

  it('invalid timezone', () => {
    const text = mutate('timezone: Asia/Shanghai', 'timezone: Asia/Shanghia');
    expectIssue(configError(text), 3, 'site.timezone', /not a known IANA time zone/);
  });

  it('duplicate operator name', () => {
    const text = mutate('  - name: bob', '  - name: alice');
    const line = text.split('\n').lastIndexOf('  - name: alice') + 1;
    expectIssue(configError(text), line, 'operators[1].name', /duplicate operator name "alice"/);
  });

  it('two operators sharing one token', () => {
    const text = mutate(hashToken('bob-token'), hashToken('alice-token'));
    const line = text.split('\n').lastIndexOf(`    tokenHash: ${hashToken('alice-token')}`) + 1;
    expectIssue(configError(text), line, 'operators[1].tokenHash', /same token as operators\[0\] \("alice"\)/);
  });

  it('bad tokenHash', () => {
    const text = mutate(hashToken('bob-token'), 'bob-token');
    expectIssue(
      configError(text),
      lineOf(text, 'tokenHash: bob-token'),
      'operators[1].tokenHash',
      /"sha256:" followed by 64 hex digits/,
    );
  });

  it('empty operators list', () => {
    const start = BASE.indexOf('operators:');
    const end = BASE.indexOf('groups:');
    const text = `${BASE.slice(0, start)}operators: []\n${BASE.slice(end)}`;
    expectIssue(configError(text), lineOf(text, 'operators: []'), 'operators', /at least one operator/);
  });

  it('missing required field', () => {
    const text = mutate('    name: { zh: 米河镇, en: Mihe }\n', '');
    expectIssue(configError(text), lineOf(text, '- id: mihe'), 'endpoints[2].name', /required/);
  });

  it('TLS file that does not exist', () => {
    const dir = mkdtempSync(join(tmpdir(), 'vc-config-'));
    try {
      writeFileSync(join(dir, 'cert.pem'), 'x');
      const text = mutate('  port: 7443\n', '  port: 7443\n  tls: { cert: cert.pem, key: missing-key.pem }\n');
      let err: VcError | undefined;
      try {
        parseConfig(text, FILE, { env: ENV, baseDir: dir });
      } catch (e) {
        err = e as VcError;
      }
      expect(err).toBeDefined();
      expectIssue(err as VcError, lineOf(text, 'missing-key.pem'), 'api.tls.key', /file not found: .*missing-key\.pem/);
      expect((err as VcError).message).not.toContain('api.tls.cert');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('SRTP: the site default reaches endpoints without their own; a bad mode is an error naming the field', () => {
    const text = mutate(
      '  relayPorts: { min: 30000, max: 30999 }\n',
      '  relayPorts: { min: 30000, max: 30999 }\n  srtp: required\n',
    ).replace('    groups: [towns]\n', '    groups: [towns]\n    srtp: off\n');
    const { config } = parseConfig(text, FILE, { env: ENV });
    expect(config.endpoints.map((e) => [e.id, e.srtp])).toEqual([
      ['zhengzhou', 'required'],
      ['xiaoguan', 'required'],
      ['mihe', 'off'],
    ]);
    expect(parseConfig(BASE, FILE, { env: ENV }).config.endpoints.every((e) => e.srtp === 'optional')).toBe(true);
    const bad = mutate('    groups: [towns]\n', '    groups: [towns]\n    srtp: mandatory\n');
    expectIssue(configError(bad), lineOf(bad, 'srtp: mandatory'), 'endpoints[2].srtp', /off.*optional.*required/);
  });

  it('TLS: an endpoint that opts out of certificate checks is warned about', () => {
    const text = mutate('    groups: [towns]\n', '    groups: [towns]\n    transport: tls\n    tlsVerify: false\n');
    const { warnings } = parseConfig(text, FILE, { env: ENV });
    expect(
      warnings.some((w) => /endpoints\[2\]\.tlsVerify: the certificate of this room is not verified/.test(w)),
      warnings.join('\n'),
    ).toBe(true);
  });

  it('lists every problem, not only the first', () => {
    let text = mutate('  - id: mihe', '  - id: xiaoguan');
    text = mutate('    groups: [towns]\n', '    groups: [nowhere]\n', text);
    text = mutate('  - name: bob', '  - name: alice', text);
    const err = configError(text, {});
    const paths = (err.details as ConfigInvalidDetails).issues.map((i) => i.path).sort();
    expect(paths).toEqual([
      'endpoints[0].credentials.password',
      'endpoints[2].groups[0]',
      'endpoints[2].id',
      'operators[1].name',
    ]);
    expect(err.message).toMatch(/\(4 problems\)/);
  });

  it('a missing file is CONFIG_NOT_FOUND naming the file', () => {
    expect(() => loadConfig('/nonexistent/vcbridge-site.yaml')).toThrowError(
      expect.objectContaining({
        code: 'CONFIG_NOT_FOUND',
        message: expect.stringContaining('/nonexistent/vcbridge-site.yaml') as unknown,
      }) as Error,
    );
  });

  it('an empty file says so', () => {
    const err = configError('');
    expect(err.message).toContain(`${FILE}:1 `);
    expect(err.message).toMatch(/empty/);
  });
});

describe('site config: warnings', () => {
  it('more than one upstream is allowed but warned about, at the second one', () => {
    const text = mutate('    kind: town\n    uri: sip:mihe', '    kind: upstream\n    uri: sip:mihe');
    const { warnings } = parseConfig(text, FILE, { env: ENV });
    expect(warnings).toHaveLength(1);
    const line = text.split('\n').lastIndexOf('    kind: upstream') + 1;
    expect(warnings[0]).toContain(`${FILE}:${line} endpoints[2].kind: more than one upstream (zhengzhou, mihe)`);
  });

  it('the demo token on a non-loopback API bind is warned about', () => {
    let text = mutate(hashToken('alice-token'), hashToken(DEMO_TOKEN));
    text = mutate('  host: 127.0.0.1\n  port: 7443', '  host: 0.0.0.0\n  port: 7443', text);
    const { warnings } = parseConfig(text, FILE, { env: ENV });
    expect(warnings.join('\n')).toMatch(/operators\[0\]\.tokenHash: this is the published demo token/);
  });
});

describe('secrets and tokens', () => {
  it('resolveSecret returns literals as they are and reads env:NAME', () => {
    expect(resolveSecret('plain')).toBe('plain');
    expect(resolveSecret('env:X_SECRET', { X_SECRET: 's3' })).toBe('s3');
    expect(() => resolveSecret('env:X_SECRET', {})).toThrowError(/X_SECRET is not set/);
  });

  it('hashToken gives sha256:<hex> and tokens match only their own hash', () => {
    expect(hashToken(DEMO_TOKEN)).toMatch(/^sha256:[0-9a-f]{64}$/);
    expect(tokenMatchesHash(DEMO_TOKEN, hashToken(DEMO_TOKEN))).toBe(true);
    expect(tokenMatchesHash('other', hashToken(DEMO_TOKEN))).toBe(false);
    const ops = [
      { name: 'a', tokenHash: hashToken('ta') },
      { name: 'b', tokenHash: hashToken('tb') },
    ];
    expect(findOperatorByToken(ops, 'tb')?.name).toBe('b');
    expect(findOperatorByToken(ops, 'tc')).toBeUndefined();
  });
});

afterAll(() => undefined);
