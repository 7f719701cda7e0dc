import { describe, expect, it } from 'vitest';
import { parseSipUri, formatHostPort, defaultPort } from '../../daemon/config/uri.js';

describe('parseSipUri', () => {
  it('reads user, IPv4 host, port and parameters', () => {
    expect(parseSipUri('sip:xiaoguan@127.0.1.3:5060;transport=TCP;lr')).toEqual({
      scheme: 'sip',
      user: 'xiaoguan',
      host: '127.0.1.3',
      hostType: 'ipv4',
      port: 5060,
      params: { transport: 'TCP', lr: '' },
      headers: {},
    });
  });

  it('accepts sips:, hostnames, bracketed IPv6 and no user', () => {
    expect(parseSipUri('sips:mcu.zz.gov.cn')).toMatchObject({
      scheme: 'sips',
      host: 'mcu.zz.gov.cn',
      hostType: 'hostname',
    });
    expect(parseSipUri('sip:room@[::1]:5070')).toMatchObject({ host: '::1', hostType: 'ipv6', port: 5070 });
    expect(parseSipUri('SIP:a%20b@h')?.user).toBe('a b');
    expect(parseSipUri('sip:a@h?subject=x%20y')?.headers).toEqual({ subject: 'x y' });
  });

  it.each([
    'http://x',
    'sip:',
    'sip:user@',
    'sip:user@host:0',
    'sip:user@host:65536',
    'sip:user@host:50a0',
    'sip:user@[::1',
    'sip:user@[zz]:5060',
    'sip:user@ho st',
    'sip:user@-host',
    'sip:user@1.2.3.256',
    'sip:us er@h',
    'sip:u@h;',
    'sip:u@h:',
    'sip:%zz@h',
  ])('rejects %s', (s) => {
    expect(parseSipUri(s)).toBeNull();
  });

  it('helpers: bracket IPv6 for sockets, default port by scheme', () => {
    expect(formatHostPort('::1', 5060)).toBe('[::1]:5060');
    expect(formatHostPort('127.0.0.1')).toBe('127.0.0.1');
    const sips = parseSipUri('sips:a@h');
    const sip = parseSipUri('sip:a@h');
    expect(sips && defaultPort(sips)).toBe(5061);
    expect(sip && defaultPort(sip)).toBe(5060);
  });
});
