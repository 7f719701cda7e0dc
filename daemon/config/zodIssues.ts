import type { z } from 'zod';
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

function describe(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'a list';
  if (typeof v === 'object') return 'a mapping';
  if (typeof v === 'string') return `string ${JSON.stringify(v.length > 60 ? `${v.slice(0, 57)}...` : v)}`;
  return `${typeof v} ${String(v)}`;
}

const SECRET_FIELD = /password|secret|pin/i;

function got(raw: unknown, path: ConfigPath): string {
  const last = path[path.length - 1];
  if (typeof last === 'string' && SECRET_FIELD.test(last)) return '';
  const v = valueAt(raw, path);
  return v === undefined ? '' : ` (got ${describe(v)})`;
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
          const list = known.length && known.length <= 12 ? ` (allowed: ${known.join(', ')})` : '';
          out.push({
            path: [...path, key],
            atKey: true,
            message: `unknown key "${key}"${hint ? `; did you mean "${hint}"?` : list}`,
          });
        }
        break;
      }
      case 'invalid_type': {
        const v = valueAt(raw, path);
        if (v === undefined) out.push({ path, message: `required (expected ${issue.expected})` });
        else out.push({ path, message: `expected ${issue.expected}, got ${describe(v)}` });
        break;
      }
      case 'invalid_value':
        out.push({ path, message: `must be one of ${issue.values.map((x) => String(x)).join(', ')}${got(raw, path)}` });
        break;
      case 'too_small':
      case 'too_big': {
        const bound = issue.code === 'too_small' ? issue.minimum : issue.maximum;
        const v = valueAt(raw, path);
        let message = issue.message;
        if (issue.origin === 'number' && !message.startsWith('Too')) message = `${message}${got(raw, path)}`;
        else if (issue.origin === 'number')
          message = `must be ${issue.code === 'too_small' ? '>=' : '<='} ${String(bound)}${got(raw, path)}`;
        else if (issue.origin === 'array' && message.startsWith('Too'))
          message = `needs ${issue.code === 'too_small' ? 'at least' : 'at most'} ${String(bound)} item(s), has ${Array.isArray(v) ? v.length : 0}`;
        else if (issue.origin === 'string' && message.startsWith('Too'))
          message =
            issue.code === 'too_small' && bound === 1
              ? 'must not be empty'
              : `must have ${issue.code === 'too_small' ? 'at least' : 'at most'} ${String(bound)} characters`;
        out.push({ path, message });
        break;
      }
      default:
        out.push({ path, message: `${issue.message}${got(raw, path)}` });
    }
  }
  return out;
}
