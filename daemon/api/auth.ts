import { findOperatorByToken } from '../config/tokens.js';
import type { Role } from '../../protocol/index.js';

export interface OperatorIdentity {
  name: string;
  role: Role;
  tokenHash: string;
}

/** Find the operator whose stored "sha256:<hex>" matches the presented bearer token. */
export function authenticate(token: string, operators: readonly OperatorIdentity[]): OperatorIdentity | undefined {
  return findOperatorByToken(operators, token);
}

/** Bearer token from an Authorization header value, if any. */
export function bearerFrom(header: string | undefined): string | undefined {
  if (!header) return undefined;
  const m = /^Bearer\s+(\S+)\s*$/i.exec(header);
  return m?.[1];
}
