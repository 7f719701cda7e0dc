import { createHash, timingSafeEqual } from 'node:crypto';

/** The bearer token of the example config's `demo` operator. It is public: the daemon warns
 *  loudly when it is accepted on anything but a loopback bind. */
export const DEMO_TOKEN = 'demo-token-gongyi';

/** How tokens are stored in the config: "sha256:<64 hex>". Plain tokens are never stored. */
export function hashToken(plain: string): string {
  return `sha256:${createHash('sha256').update(plain, 'utf8').digest('hex')}`;
}

/** Constant-time check of a presented token against a stored "sha256:<hex>" hash. */
export function tokenMatchesHash(plain: string, tokenHash: string): boolean {
  const a = Buffer.from(hashToken(plain), 'utf8');
  const b = Buffer.from(tokenHash, 'utf8');
  return a.length === b.length && timingSafeEqual(a, b);
}

/** The operator whose tokenHash matches `plain`, checking every entry so timing says nothing. */
export function findOperatorByToken<T extends { tokenHash: string }>(
  operators: readonly T[],
  plain: string,
): T | undefined {
  let found: T | undefined;
  for (const op of operators) {
    if (tokenMatchesHash(plain, op.tokenHash) && found === undefined) found = op;
  }
  return found;
}

export function isDemoTokenHash(tokenHash: string): boolean {
  return tokenHash === hashToken(DEMO_TOKEN);
}

/** 127.0.0.0/8, ::1 and "localhost": binds that only this machine can reach. */
export function isLoopbackHost(host: string): boolean {
  const h = host.replace(/^\[|\]$/g, '').toLowerCase();
  return h === 'localhost' || h === '::1' || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(h);
}
