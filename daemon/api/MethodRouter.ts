import type { z } from 'zod';
import { VcError } from '../errors.js';
import { METHOD_ROLES, type Role } from '../../protocol/index.js';

/** Who is calling: resolved from the bearer token at connect time. */
export interface Caller {
  name: string;
  role: Role;
  /** Remote address of the connection, for logs and rate limits. */
  address: string;
}

export type Handler = (params: unknown, caller: Caller) => unknown | Promise<unknown>;

interface Entry {
  role: Role;
  schema?: z.ZodType;
  handler: Handler;
}

/**
 * The method table of the control API. Each layer registers its own methods at start-up
 * (conference.*, schedule.*, endpoint.*); the server only dispatches.
 */
export class MethodRouter {
  readonly #methods = new Map<string, Entry>();

  /** Register a method. The role defaults to the one in the protocol's METHOD_ROLES table. */
  register<S extends z.ZodType>(method: string, schema: S | undefined, handler: (params: z.infer<S>, caller: Caller) => unknown, role?: Role): void {
    if (this.#methods.has(method)) throw new VcError('INTERNAL', `API method ${method} registered twice`);
    const r = role ?? (METHOD_ROLES as Record<string, Role | undefined>)[method];
    if (!r) throw new VcError('INTERNAL', `API method ${method} has no role in protocol.METHOD_ROLES`);
    this.#methods.set(method, { role: r, schema, handler: handler as Handler });
  }

  has(method: string): boolean {
    return this.#methods.has(method);
  }

  methods(): string[] {
    return [...this.#methods.keys()].sort();
  }

  get(method: string): Entry | undefined {
    return this.#methods.get(method);
  }
}
