import type { z } from 'zod';
import { say } from '../../protocol/index.js';
import type { ConfigFinding, ConfigPath } from './validate.js';

// Turn zod's issues into findings people can act on: one per field, naming the value they wrote
// (never a secret) and suggesting the key they probably meant.

export interface LocatedFinding extends ConfigFinding {
  /** Point at the key rather than its value (unknown keys). */
  atKey?: boolean;
}

interface SchemaDef {
  type: string;
  innerType?: z.ZodType;
  shape?: Record<string, z.ZodType>;
  element?: z.ZodType;
  in?: z.ZodType;
}

function defOf(s: z.ZodType): SchemaDef {
  return (s as unknown as { _zod: { def: SchemaDef } })._zod.def;
}

/** The keys the schema allows for the object at `path`, or [] when it cannot tell. */
export function knownKeysAt(schema: z.ZodType, path: ConfigPath): string[] {
  let s: z.ZodType | undefined = schema;
  // default/optional/nullable wrap their inner type; a pipe reads from its input schema
  const unwrap = (): void => {
    while (s) {
      const d = defOf(s);
      const inner = d.innerType ?? d.in;
      if (!inner) return;
      s = inner;
    }
  };
  unwrap();
  for (const seg of path) {
    if (!s) return [];
    const d = defOf(s);
    if (d.type === 'object' && typeof seg === 'string') s = d.shape?.[seg];
    else if (d.type === 'array' && typeof seg === 'number') s = d.element;
    else return [];
    unwrap();
  }
  const d = s ? defOf(s) : undefined;
  return d?.type === 'object' && d.shape ? Object.keys(d.shape) : [];
}

function distance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    let prev = row[0] ?? 0;
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const tmp = row[j] ?? 0;
      row[j] = Math.min((row[j] ?? 0) + 1, (row[j - 1] ?? 0) + 1, prev + (a[i - 1] === b[j - 1] ? 0 : 1));
      prev = tmp;
    }
  }
  return row[b.length] ?? 0;
}

export function suggest(word: string, candidates: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestD = Infinity;
  for (const c of candidates) {
    const d = distance(word.toLowerCase(), c.toLowerCase());
    if (d < bestD) [best, bestD] = [c, d];
  }
  return best !== undefined && bestD <= Math.max(2, Math.floor(word.length / 3)) ? best : undefined;
}

function valueAt(root: unknown, path: ConfigPath): unknown {
  let v = root;
  for (const seg of path) {
    if (v === null || typeof v !== 'object') return undefined;
    v = (v as Record<string | number, unknown>)[seg];
  }
  return v;
}

/** The value a field has, as "got ..." names it (a template, so it can be said in Chinese too). */
function describe(v: unknown): string {
  if (v === null) return say('config.val.null');
  if (Array.isArray(v)) return say('config.val.list');
  if (typeof v === 'object') return say('config.val.mapping');
  if (typeof v === 'string')
    return say('config.val.string', { text: JSON.stringify(v.length > 60 ? `${v.slice(0, 57)}...` : v) });
  if (typeof v === 'number') return say('config.val.number', { value: v });
  if (typeof v === 'boolean') return say('config.val.boolean', { value: String(v) });
  return `${typeof v} ${String(v)}`;
}

const SECRET_FIELD = /password|secret|pin/i;

/** What the file has at `path`, or undefined for a missing value or a secret (never shown). */
function got(raw: unknown, path: ConfigPath): string | undefined {
  const last = path[path.length - 1];
  if (typeof last === 'string' && SECRET_FIELD.test(last)) return undefined;
  const v = valueAt(raw, path);
  return v === undefined ? undefined : describe(v);
}

const TYPE_WORDS: Record<string, Parameters<typeof say>[0]> = {
  string: 'config.type.string',
  number: 'config.type.number',
  int: 'config.type.int',
  boolean: 'config.type.boolean',
  object: 'config.type.object',
  array: 'config.type.array',
};

/** A type zod expects, as a template where we have one (a rarer one stays zod's word). */
function typeWord(expected: string): string {
  const key = TYPE_WORDS[expected];
  return key ? say(key) : expected;
}

/**
 * The message of one zod issue from our templates, per issue code with its parameters (zod's own
 * English never reaches the operator). Given to safeParse as its error map: a message the schema
 * sets itself (say() text too) wins over it.
 */
export function zodMessage(issue: z.core.$ZodRawIssue): string {
  switch (issue.code) {
    case 'invalid_type':
      return say('config.required', { expected: typeWord(issue.expected) });
    case 'invalid_value':
      return say('config.oneOf', { values: issue.values.map((x) => String(x)).join(', ') });
    case 'unrecognized_keys':
      return say('config.unknownKey', { key: issue.keys.join(', ') });
    case 'too_small':
      return say('config.tooSmall', { min: String(issue.minimum) });
    case 'too_big':
      return say('config.tooBig', { max: String(issue.maximum) });
    case 'invalid_format':
      if (issue.format === 'url') return say('config.url');
      if (issue.format === 'regex' && 'pattern' in issue)
        return say('config.pattern', { pattern: String(issue.pattern) });
      return say('config.format', { format: issue.format });
    case 'invalid_union':
      return say('config.union');
    case 'not_multiple_of':
      return say('config.multipleOf', { divisor: String(issue.divisor) });
    case 'invalid_key':
      return say('config.badKey');
    case 'invalid_element':
      return say('config.badItem');
    default:
      return say('config.invalidValue');
  }
}

/** A number outside its bounds: ">=", "<=", or strict. */
function boundMessage(issue: z.core.$ZodIssueTooSmall | z.core.$ZodIssueTooBig, value: string | undefined): string {
  const small = issue.code === 'too_small';
  const bound = String(small ? issue.minimum : issue.maximum);
  const strict = issue.inclusive === false;
  if (small) {
    const key = strict ? (value ? 'config.aboveGot' : 'config.above') : value ? 'config.minGot' : 'config.min';
    return say(key, { min: bound, ...(value ? { got: value } : {}) });
  }
  const key = strict ? (value ? 'config.belowGot' : 'config.below') : value ? 'config.maxGot' : 'config.max';
  return say(key, { max: bound, ...(value ? { got: value } : {}) });
}

/** The schema's own message for this issue, if it gave one (else our error map wrote it). */
function ownMessage(issue: z.core.$ZodIssue): boolean {
  return issue.message !== zodMessage(issue as z.core.$ZodRawIssue);
}

export function findingsFromZod(
  issues: readonly z.core.$ZodIssue[],
  raw: unknown,
  schema: z.ZodType,
): LocatedFinding[] {
  const out: LocatedFinding[] = [];
  for (const issue of issues) {
    const path = issue.path.filter((p): p is string | number => typeof p !== 'symbol');
    switch (issue.code) {
      case 'unrecognized_keys': {
        const known = knownKeysAt(schema, path);
        for (const key of issue.keys) {
          const hint = suggest(key, known);
          const message = hint
            ? say('config.unknownKeyHint', { key, hint })
            : known.length && known.length <= 12
              ? say('config.unknownKeyAllowed', { key, allowed: known.join(', ') })
              : say('config.unknownKey', { key });
          out.push({ path: [...path, key], atKey: true, message });
        }
        break;
      }
      case 'invalid_type': {
        const v = valueAt(raw, path);
        const expected = typeWord(issue.expected);
        if (v === undefined) out.push({ path, message: say('config.required', { expected }) });
        else out.push({ path, message: say('config.wrongType', { expected, got: describe(v) }) });
        break;
      }
      case 'invalid_value': {
        const values = issue.values.map((x) => String(x)).join(', ');
        const value = got(raw, path);
        out.push({
          path,
          message: value ? say('config.oneOfGot', { values, got: value }) : say('config.oneOf', { values }),
        });
        break;
      }
      case 'too_small':
      case 'too_big': {
        const bound = String(issue.code === 'too_small' ? issue.minimum : issue.maximum);
        const small = issue.code === 'too_small';
        const v = valueAt(raw, path);
        let message = issue.message;
        if (ownMessage(issue)) {
          const value = issue.origin === 'number' ? got(raw, path) : undefined;
          if (value) message = say('config.withGot', { message, got: value });
        } else if (issue.origin === 'number') message = boundMessage(issue, got(raw, path));
        else if (issue.origin === 'array')
          message = say(small ? 'config.itemsMin' : 'config.itemsMax', {
            n: bound,
            has: Array.isArray(v) ? v.length : 0,
          });
        else if (issue.origin === 'string')
          message =
            small && bound === '1'
              ? say('config.notEmpty')
              : say(small ? 'config.charsMin' : 'config.charsMax', { n: bound });
        out.push({ path, message });
        break;
      }
      default: {
        // a rule of the schema's own (or our error map's word for zod's), plus the value written;
        // a message that names the values itself (min > max) needs no "got"
        const value = issue.code === 'custom' && issue.params?.['withValues'] ? undefined : got(raw, path);
        out.push({
          path,
          message: value ? say('config.withGot', { message: issue.message, got: value }) : issue.message,
        });
      }
    }
  }
  return out;
}
