import { readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import type { Command } from 'commander';
import { DEFAULT_API_URL, say } from '../protocol/index.js';
import { ApiClient } from './client.js';
import { CliError, usage } from './errors.js';
import { translator, type T } from './ui/i18n/translate.js';

/** The CLI's own settings file: $XDG_CONFIG_HOME/vcbridge/config.yaml (url, token, lang). */
export function cliConfigPath(): string {
  return join(process.env.XDG_CONFIG_HOME ?? join(homedir(), '.config'), 'vcbridge', 'config.yaml');
}

const FileSettings = z
  .object({
    url: z.string().optional(),
    token: z.string().optional(),
    lang: z.enum(['en', 'zh']).optional(),
  })
  .strict();

function readFileSettings(): z.infer<typeof FileSettings> {
  const file = cliConfigPath();
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return {};
    throw new CliError('CONFIG_INVALID', `cannot read ${file}: ${(err as Error).message}`);
  }
  const parsed = FileSettings.safeParse(parseYaml(text) ?? {});
  if (!parsed.success) {
    throw new CliError(
      'CONFIG_INVALID',
      `${file}: ${parsed.error.issues.map((i) => `${i.path.join('.') || '(top)'}: ${i.message}`).join('; ')}`,
    );
  }
  return parsed.data;
}

export type Lang = 'en' | 'zh';

export interface Globals {
  url: string;
  token?: string;
  json: boolean;
  lang: Lang;
  /** The catalogue in `lang`: every word a command prints for people comes from it. */
  t: T;
}

/** Global options: flag > environment > settings file > default. */
export function globals(cmd: Command): Globals {
  const o = cmd.optsWithGlobals<{ url?: string; token?: string; json?: boolean; lang?: string }>();
  const file = readFileSettings();
  const url = o.url ?? env('VCBRIDGE_URL') ?? file.url ?? DEFAULT_API_URL;
  if (!/^wss?:\/\//.test(url)) throw usage(say('cli.urlScheme', { url }));
  const langRaw = o.lang ?? langFromEnv() ?? file.lang ?? 'en';
  if (langRaw !== 'en' && langRaw !== 'zh') throw usage(say('cli.lang', { lang: langRaw }));
  const lang: Lang = langRaw;
  return {
    url,
    token: o.token ?? env('VCBRIDGE_TOKEN') ?? file.token,
    json: Boolean(o.json),
    lang,
    t: translator(lang),
  };
}

/** The language for text printed before (or without) a command's globals: errors, usage. Never throws. */
export function langOf(argv: readonly string[]): Lang {
  let flag: string | undefined;
  argv.forEach((a, i) => {
    if (a === '--lang') flag = argv[i + 1];
    else if (a.startsWith('--lang=')) flag = a.slice('--lang='.length);
  });
  if (flag === 'en' || flag === 'zh') return flag;
  const fromEnv = langFromEnv();
  if (fromEnv) return fromEnv;
  try {
    return readFileSettings().lang ?? 'en';
  } catch {
    // a broken settings file is reported by the command itself; its errors are then in English
    return 'en';
  }
}

/** An environment variable, with an empty value counting as unset. */
function env(name: string): string | undefined {
  return process.env[name] || undefined;
}

export function langFromEnv(): Lang | undefined {
  const v = env('VCBRIDGE_LANG') ?? env('LC_ALL') ?? env('LANG');
  if (!v) return undefined;
  if (v === 'en' || v === 'zh') return v;
  return v.toLowerCase().startsWith('zh') ? 'zh' : undefined;
}

/** Connect, run `fn`, always close. */
export async function withClient<T>(g: Globals, fn: (c: ApiClient) => Promise<T>): Promise<T> {
  const client = await ApiClient.connect({ url: g.url, token: g.token });
  try {
    return await fn(client);
  } finally {
    client.close();
  }
}

/** Parse a command's options with a zod schema; a failure is a usage error naming the option. */
export function parseOptions<S extends z.ZodType>(schema: S, raw: unknown): z.infer<S> {
  const r = schema.safeParse(raw);
  if (!r.success) {
    throw usage(
      r.error.issues
        .map((i) => `--${String(i.path[0] ?? '?').replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}: ${i.message}`)
        .join('; '),
    );
  }
  return r.data;
}
