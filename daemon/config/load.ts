import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { say } from '../../protocol/index.js';
import { VcError } from '../errors.js';
import { SiteConfig } from './schema.js';
import { validateConfig, type ConfigPath } from './validate.js';
import { YamlSource } from './YamlSource.js';
import { findingsFromZod, zodMessage, type LocatedFinding } from './zodIssues.js';

export interface LoadedConfig {
  config: SiteConfig;
  /** The file as the caller named it (used in every message). */
  file: string;
  /** One line each: "file:line path: message". */
  warnings: string[];
}

/** One problem, as carried in `VcError('CONFIG_INVALID').details.issues`. */
export interface ConfigIssue {
  /** "endpoints[3].uri"; "" for YAML syntax errors and the document itself. */
  path: string;
  line: number;
  message: string;
}

export interface ConfigInvalidDetails {
  file: string;
  issues: ConfigIssue[];
}

export interface LoadOptions {
  /** Environment used to check `env:NAME` secrets (default process.env). */
  env?: Record<string, string | undefined>;
  /** Folder relative TLS paths are resolved in (default: the config file's folder). */
  baseDir?: string;
}

/** "endpoints[3].credentials.password" */
export function formatPath(path: ConfigPath): string {
  let s = '';
  for (const seg of path) s += typeof seg === 'number' ? `[${seg}]` : s === '' ? seg : `.${seg}`;
  return s;
}

export function formatIssue(file: string, issue: ConfigIssue): string {
  return issue.path
    ? `${file}:${issue.line} ${issue.path}: ${issue.message}`
    : `${file}:${issue.line} ${issue.message}`;
}

function invalid(file: string, issues: ConfigIssue[]): VcError {
  const sorted = [...issues].sort((a, b) => a.line - b.line);
  const head =
    sorted.length === 1 ? say('config.invalidOne', { file }) : say('config.invalid', { file, n: sorted.length });
  const details: ConfigInvalidDetails = { file, issues: sorted };
  return new VcError('CONFIG_INVALID', [head, ...sorted.map((i) => `  ${formatIssue(file, i)}`)].join('\n'), details);
}

/** Read, parse and validate a site config file. Throws CONFIG_NOT_FOUND or CONFIG_INVALID. */
export function loadConfig(file: string, opts: LoadOptions = {}): LoadedConfig {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT')
      throw new VcError('CONFIG_NOT_FOUND', say('config.notFound', { file }), { file }, { cause: e });
    throw new VcError(
      'CONFIG_INVALID',
      say('config.unreadable', { file, detail: (e as Error).message }),
      { file, issues: [] },
      { cause: e },
    );
  }
  return parseConfig(text, file, { baseDir: dirname(resolve(file)), ...opts });
}

/** Parse and validate config text; `file` is only used to name places in messages. */
export function parseConfig(text: string, file: string, opts: LoadOptions = {}): LoadedConfig {
  const src = new YamlSource(text);
  // one mistake often trips several parser rules on the same line: report the first of each line
  const syntax = src.syntaxErrors.filter((e, i, all) => all.findIndex((o) => o.line === e.line) === i);
  if (syntax.length > 0) {
    throw invalid(
      file,
      syntax.map((s) => ({
        path: '',
        line: s.line,
        message: say('config.yamlSyntax', { col: s.col, detail: s.message }),
      })),
    );
  }
  const warnings = src.syntaxWarnings.map((w) => `${file}:${w.line} (yaml): ${w.message}`);

  let raw: unknown;
  try {
    raw = src.toJS();
  } catch (e) {
    // e.g. an alias bomb: the yaml package refuses to expand it
    throw invalid(file, [{ path: '', line: 1, message: say('config.yamlExpand', { detail: (e as Error).message }) }]);
  }

  const locate = (f: LocatedFinding): ConfigIssue => ({
    path: formatPath(f.path),
    line: src.lineOf(f.path, { key: f.atKey === true }),
    message: f.message,
  });

  // zod's own English never reaches the operator: every issue it raises is said from our templates
  const parsed = SiteConfig.safeParse(raw ?? {}, { error: zodMessage });
  if (!parsed.success) {
    const findings =
      raw === null || raw === undefined
        ? [{ path: [], message: say('config.empty') }]
        : findingsFromZod(parsed.error.issues, raw, SiteConfig);
    throw invalid(file, findings.map(locate));
  }

  const result = validateConfig(parsed.data, { env: opts.env, baseDir: opts.baseDir ?? process.cwd() });
  if (result.errors.length > 0) throw invalid(file, result.errors.map(locate));
  for (const w of result.warnings) warnings.push(formatIssue(file, locate(w)));
  // site-wide defaults an endpoint did not override (the layers below read the endpoint only)
  for (const e of parsed.data.endpoints) e.srtp ??= parsed.data.media.srtp;
  return { config: parsed.data, file, warnings };
}
