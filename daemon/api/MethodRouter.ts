import type { z } from 'zod';
import { VcError } from '../errors.js';
import { METHODS, say, type MethodName, type ParamsOf, type ResultOf, type Role } from '../../protocol/index.js';

/** Who is calling: resolved from the bearer token at connect time. */
export interface Caller {
  name: string;
  role: Role;
  /** Remote address of the connection, for logs and rate limits. */
  address: string;
}

/** A method's implementation: gets what the params check let through, gives back the method's result. */
export type Handler<M extends MethodName, P = ParamsOf<M>> = (
  params: P,
  caller: Caller,
) => ResultOf<M> | Promise<ResultOf<M>>;

/** The params' run-time check; what it lets through must be the method's params type. */
export type ParamsSchema<M extends MethodName> = z.ZodType<ParamsOf<M>>;

export interface RouteEntry {
  role: Role;
  /** Written to the audit log (protocol METHODS[m].audited). */
  audited: boolean;
  schema?: z.ZodType;
  handler: (params: unknown, caller: Caller) => unknown;
}

/**
 * The method table of the control API. Each layer registers its own methods at start-up
 * (conference.*, schedule.*, endpoint.*); the server only dispatches. Role and auditing come from
 * the protocol's METHODS table, never from the registering code.
 */
export class MethodRouter {
  readonly #methods = new Map<string, RouteEntry>();

  /** With a schema, the handler gets its output: the server checks `params ?? {}`, so a method whose
   *  params are optional in the protocol still hands a non-optional schema's handler an object. */
  register<M extends MethodName, S extends ParamsSchema<M>>(
    method: M,
    schema: S,
    handler: Handler<M, z.output<S>>,
  ): void;
  register<M extends MethodName>(method: M, schema: undefined, handler: Handler<M>): void;
  register<M extends MethodName>(method: M, schema: ParamsSchema<M> | undefined, handler: Handler<M, never>): void {
    if (this.#methods.has(method)) throw new VcError('INTERNAL', say('api.registeredTwice', { method }));
    const info = METHODS[method];
    // the table is typed, but a caller outside TypeScript's reach (a test's cast) still gets a clear error
    if (!info) throw new VcError('INTERNAL', say('api.notInTable', { method }));
    this.#methods.set(method, {
      role: info.role,
      audited: info.audited,
      schema,
      handler: handler as RouteEntry['handler'],
    });
  }

  has(method: string): boolean {
    return this.#methods.has(method);
  }

  methods(): string[] {
    return [...this.#methods.keys()].sort();
  }

  get(method: string): RouteEntry | undefined {
    return this.#methods.get(method);
  }
}
