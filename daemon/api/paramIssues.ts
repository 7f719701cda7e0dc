// What is wrong with a method's params, one template per zod issue code (api.must.*), so the CLI
// can say a refused call in the operator's language: zod's own English never reaches it. The
// predicate comes from the error map given to safeParse (a message the schema sets itself, a say()
// text too, wins over it); paramsDetail then names each issue's field.
import type { z } from 'zod';
import { say, type ReasonKey } from '../../protocol/index.js';

const TYPES: Record<string, ReasonKey> = {
  string: 'api.type.string',
  number: 'api.type.number',
  int: 'api.type.int',
  boolean: 'api.type.boolean',
  array: 'api.type.array',
  object: 'api.type.object',
  null: 'api.type.null',
};

/** A zod type name as a template where we have one (a rarer one stays zod's word). */
function typeText(t: string): string {
  const key = TYPES[t];
  return key ? say(key) : t;
}

function typeOf(v: unknown): string {
  if (v === null) return 'null';
  return Array.isArray(v) ? 'array' : typeof v;
}

function bound(issue: z.core.$ZodRawIssue & { code: 'too_small' | 'too_big' }): string {
  const small = issue.code === 'too_small';
  const n = String(small ? issue.minimum : issue.maximum);
  if (issue.origin === 'string')
    return small ? say('api.must.minChars', { min: n }) : say('api.must.maxChars', { max: n });
  if (issue.origin === 'array' || issue.origin === 'set')
    return small ? say('api.must.minItems', { min: n }) : say('api.must.maxItems', { max: n });
  if (issue.inclusive === false) return small ? say('api.must.above', { min: n }) : say('api.must.below', { max: n });
  return small ? say('api.must.min', { min: n }) : say('api.must.max', { max: n });
}

/** Error map for the params' safeParse: what one issue's value must be, from a template. */
export function paramIssueMessage(issue: z.core.$ZodRawIssue): string {
  switch (issue.code) {
    case 'invalid_type':
      return issue.input === undefined
        ? say('api.must.missing')
        : say('api.must.type', { expected: typeText(issue.expected), received: typeText(typeOf(issue.input)) });
    case 'too_small':
    case 'too_big':
      return bound(issue);
    case 'not_multiple_of':
      return say('api.must.multipleOf', { step: String(issue.divisor) });
    case 'invalid_format':
      return say('api.must.format', { format: issue.format });
    case 'invalid_value':
      return say('api.must.oneOf', { options: issue.values.map((v) => String(v)).join(', ') });
    case 'unrecognized_keys':
      return say('api.must.unknownKeys', { keys: issue.keys.join(', ') });
    default:
      return say('api.must.invalid');
  }
}

/** The detail of a PARAMS_INVALID: every issue with the field it is about (`endpoints.2`). */
export function paramsDetail(issues: readonly z.core.$ZodIssue[]): string {
  return issues
    .map((i) =>
      i.path.length
        ? say('api.field', { path: i.path.map(String).join('.'), what: i.message })
        : say('api.fieldRoot', { what: i.message }),
    )
    .join('; ');
}
