// `vcbridge … --help` in the operator's language. Every description comes from the help catalogue
// (cli/ui/i18n/helpEn.ts, helpZh.ts) by the command's path, in English as in Chinese; commander's own
// words (Usage, Options, "display help for command", the <placeholders>) are said from it too, and
// columns are measured by display width so Chinese descriptions line up and wrap.
import { Help, type Argument, type Command, type HelpConfiguration, type Option } from 'commander';
import stringWidth from 'string-width';
import type { Lang } from './context.js';
import { helpEn, type HelpKey } from './ui/i18n/helpEn.js';
import { helpZh, placeholdersZh } from './ui/i18n/helpZh.js';

type Catalogue = Record<HelpKey, string>;

const isHidden = (c: Command): boolean => (c as unknown as { _hidden?: boolean })._hidden === true;

/** The catalogue keys of a command: itself, each option (by its long flag) and each argument. */
export function helpKeys(c: Command, path: readonly string[]): { command: string; options: string[]; args: string[] } {
  const command = path.length ? path.join(' ') : 'vcbridge';
  return {
    command,
    options: c.options.map((o) => `${command} ${o.long ?? o.short ?? o.flags}`),
    args: c.registeredArguments.map((a) => `${command} <${a.name()}>`),
  };
}

/** Every visible command of the tree with its path (the root's path is empty). */
export function visibleCommands(c: Command, path: string[] = []): { cmd: Command; path: string[] }[] {
  if (isHidden(c)) return [];
  return [{ cmd: c, path }, ...c.commands.flatMap((s) => visibleCommands(s, [...path, s.name()]))];
}

const fill = (text: string, vars: Record<string, string>): string =>
  text.replace(/\{(\w+)\}/g, (m, k: string) => vars[k] ?? m);

/** "<site>", "[sites...]", "<cn|none>" in Chinese; what has no translation stays as it is. */
function placeholders(s: string): string {
  return s.replace(/([<[])([^\]>]+)([\]>])/g, (_m, open: string, inner: string, close: string) => {
    const dots = inner.endsWith('...') ? '...' : '';
    const word = dots ? inner.slice(0, -3) : inner;
    return `${open}${placeholdersZh[inner] ?? (placeholdersZh[word] ?? word) + dots}${close}`;
  });
}

const CJK = '\u2e80-\u9fff\u3000-\u303f\uff00-\uffef\u201c\u201d';
/** Marks a line must not start with: they stay with what comes before. */
const CLOSING = '，。；：、）》」”！？';
const CHUNK = new RegExp(`\\s*(?:[${CJK}]|[^\\s${CJK}]+)[${CLOSING}]*`, 'g');

/** Wrap at spaces and between Chinese characters (which have no spaces to wrap at). */
function wrap(str: string, width: number): string {
  return str
    .split(/\r?\n/)
    .map((line) => {
      const out: string[] = [];
      let cur = '';
      for (const chunk of line.match(CHUNK) ?? []) {
        if (cur && stringWidth(cur + chunk) > width) {
          out.push(cur);
          cur = chunk.trimStart();
        } else cur += chunk;
      }
      out.push(cur);
      return out.join('\n');
    })
    .join('\n');
}

function helpConfiguration(lang: Lang, cat: Catalogue): HelpConfiguration {
  const titles: Record<string, string> = {
    'Usage:': cat['help.usage'],
    'Arguments:': cat['help.arguments'],
    'Options:': cat['help.options'],
    'Global Options:': cat['help.globalOptions'],
    'Commands:': cat['help.commands'],
  };
  const base = Help.prototype;
  const config: HelpConfiguration = {
    displayWidth: (s: string) => stringWidth(s),
    styleTitle: (s: string) => titles[s] ?? s,
    optionDescription(this: Help, o: Option): string {
      const extra: string[] = [];
      if (o.argChoices)
        extra.push(fill(cat['help.choices'], { values: o.argChoices.map((c) => JSON.stringify(c)).join(', ') }));
      const showDefault = o.required || o.optional || (o.isBoolean() && typeof o.defaultValue === 'boolean');
      if (o.defaultValue !== undefined && showDefault)
        extra.push(fill(cat['help.default'], { value: o.defaultValueDescription ?? JSON.stringify(o.defaultValue) }));
      if (!extra.length) return o.description;
      return lang === 'zh' ? `${o.description}（${extra.join('，')}）` : `${o.description} (${extra.join(', ')})`;
    },
  };
  if (lang !== 'zh') return config;
  return {
    ...config,
    boxWrap: (s: string, width: number) => wrap(s, width),
    commandUsage(this: Help, c: Command): string {
      return placeholders(base.commandUsage.call(this, c));
    },
    subcommandTerm(this: Help, c: Command): string {
      return placeholders(base.subcommandTerm.call(this, c));
    },
    optionTerm: (o: Option) => placeholders(o.flags),
    argumentTerm: (a: Argument) => placeholdersZh[a.name()] ?? a.name(),
  };
}

/**
 * Put the help catalogue's texts into the command tree in `lang`: descriptions of commands, options
 * and arguments, the help option and help command, and commander's headings. A description with no
 * key keeps its text from the code (tests/unit/cli-help.test.ts fails on it).
 */
export function localizeHelp(program: Command, lang: Lang): void {
  const cat: Catalogue = lang === 'zh' ? helpZh : helpEn;
  const text = (key: string): string | undefined => (key in helpEn ? cat[key as HelpKey] : undefined);
  const config = helpConfiguration(lang, cat);
  for (const { cmd, path } of visibleCommands(program)) {
    const keys = helpKeys(cmd, path);
    const d = text(keys.command);
    if (d !== undefined) cmd.description(d);
    cmd.options.forEach((o, i) => (o.description = text(keys.options[i] ?? '') ?? o.description));
    cmd.registeredArguments.forEach((a, i) => (a.description = text(keys.args[i] ?? '') ?? a.description));
    cmd.helpOption('-h, --help', cat['help.help']);
    if (cmd.commands.length) cmd.helpCommand('help [command]', cat['help.help']);
    cmd.configureHelp(config);
  }
}
