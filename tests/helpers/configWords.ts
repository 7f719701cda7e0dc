// The words a Chinese config message keeps in English: the site config's own keys (the operator
// types them in the YAML file: register, credentials, relayPorts …) and the YAML words written there.
import type { z } from 'zod';
import { SiteConfig } from '../../daemon/config/schema.js';

interface Def {
  type: string;
  innerType?: z.ZodType;
  in?: z.ZodType;
  shape?: Record<string, z.ZodType>;
  element?: z.ZodType;
  entries?: Record<string, string>;
}

const defOf = (s: z.ZodType): Def => (s as unknown as { _zod: { def: Def } })._zod.def;

/** Every key of every mapping the schema knows, at any depth, and the values its enums allow. */
export function schemaKeys(schema: z.ZodType = SiteConfig): string[] {
  const out = new Set<string>();
  const walk = (s: z.ZodType | undefined): void => {
    if (!s) return;
    const d = defOf(s);
    if (d.innerType) walk(d.innerType);
    if (d.in) walk(d.in);
    if (d.element) walk(d.element);
    for (const v of Object.values(d.entries ?? {})) out.add(v);
    for (const [k, v] of Object.entries(d.shape ?? {})) {
      out.add(k);
      walk(v);
    }
  };
  walk(schema);
  return [...out];
}

/** Config keys plus YAML's own words and the env:NAME form of a secret. */
export const CONFIG_WORDS = [...schemaKeys(), 'true', 'false', 'null', 'env', 'NAME', 'sips'];
