// Checks shared by the tests that the daemon's error details come from reason templates (issue #14,
// item 6): which VcErrors of some modules are built from a literal English string, the CLI's Chinese
// headline of an error code, and catching a refusal as the VcError it is.
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import ts from 'typescript';
import { explainError } from '../../cli/ui/i18n/explain.js';
import { translator } from '../../cli/ui/i18n/translate.js';
import { VcError } from '../../daemon/errors.js';
import { ROOT } from './daemon.js';
import { untranslated } from './untranslated.js';

const zh = translator('zh');

/** The CLI's Chinese words for an error code, as its one error handler prints them. */
export function zhHeadline(code: string): string {
  const k = `err.${code}`;
  return k in (zh as unknown as Record<string, unknown>) ? code : zh(k as Parameters<typeof zh>[0]);
}

/** Every .ts file under a directory of the repository, recursively, but for the subdirectories skipped. */
export function tsFilesUnder(dir: string, skip: readonly string[] = []): string[] {
  return readdirSync(join(ROOT, dir), { withFileTypes: true }).flatMap((e) => {
    const rel = `${dir}/${e.name}`;
    if (e.isDirectory()) return skip.includes(e.name) ? [] : tsFilesUnder(rel, skip);
    return e.name.endsWith('.ts') ? [rel] : [];
  });
}

/** A message written as a literal (or a choice between or a join of literals) rather than from a template. */
function literalText(e: ts.Expression): boolean {
  if (ts.isParenthesizedExpression(e)) return literalText(e.expression);
  if (ts.isConditionalExpression(e)) return literalText(e.whenTrue) || literalText(e.whenFalse);
  if (ts.isBinaryExpression(e) && e.operatorToken.kind === ts.SyntaxKind.PlusToken)
    return literalText(e.left) || literalText(e.right);
  return ts.isStringLiteral(e) || ts.isTemplateExpression(e) || ts.isNoSubstitutionTemplateLiteral(e);
}

/**
 * The `new VcError(code, message)` of the files (paths from the repository root) whose message is a
 * literal, as "file:line message"; with `notices`, also `x.notice(..., text)` calls with a literal text;
 * with `configFindings`, also the site config's findings (`err(path, message)`, `warn(path, message)`),
 * issues (`message: ...`) and schema rules' own messages (`.regex(re, message)`, `.refine(fn, message)` …).
 */
export function literalMessages(
  files: readonly string[],
  o: { notices?: boolean; configFindings?: boolean } = {},
): string[] {
  const out: string[] = [];
  for (const file of files) {
    const src = ts.createSourceFile(file, readFileSync(join(ROOT, file), 'utf8'), ts.ScriptTarget.ES2022, true);
    const visit = (n: ts.Node): void => {
      const isError = ts.isNewExpression(n) && n.expression.getText(src) === 'VcError';
      const isNotice =
        o.notices === true &&
        ts.isCallExpression(n) &&
        ts.isPropertyAccessExpression(n.expression) &&
        n.expression.name.text === 'notice';
      const args = isError || isNotice ? ((n as ts.NewExpression | ts.CallExpression).arguments ?? []) : [];
      const call = ts.isCallExpression(n) ? n : undefined;
      const isFinding =
        o.configFindings === true &&
        call !== undefined &&
        ts.isIdentifier(call.expression) &&
        ['err', 'warn'].includes(call.expression.text);
      const isRule =
        o.configFindings === true &&
        call !== undefined &&
        ts.isPropertyAccessExpression(call.expression) &&
        ['regex', 'refine', 'min', 'max', 'length'].includes(call.expression.name.text);
      const issue =
        o.configFindings === true && ts.isPropertyAssignment(n) && n.name.getText(src) === 'message' ? n : undefined;
      const msg = isError
        ? args[1]
        : isNotice
          ? args.at(-1)
          : isFinding || isRule
            ? call?.arguments[1]
            : issue?.initializer;
      if (msg && literalText(msg))
        out.push(`${file}:${src.getLineAndCharacterOfPosition(n.getStart(src)).line + 1} ${msg.getText(src)}`);
      ts.forEachChild(n, visit);
    };
    visit(src);
  }
  return out;
}

/** The VcError a call refuses with (awaited when it returns a promise); anything else fails the test. */
export async function refusal(fn: () => unknown): Promise<VcError> {
  try {
    await fn();
  } catch (err) {
    if (err instanceof VcError) return err;
    throw err;
  }
  throw new Error('expected a refusal');
}

/** `refusal` for a call that refuses at once. */
export function refused(fn: () => unknown): VcError {
  try {
    fn();
  } catch (err) {
    if (err instanceof VcError) return err;
    throw err;
  }
  throw new Error('expected a refusal');
}

/** English left in the errors as the CLI prints them in Chinese (headline and detail), one line per word. */
export function zhOffences(errors: readonly VcError[], allowed: ReadonlySet<string>): string[] {
  return errors.flatMap((e) => {
    const text = explainError(e.code, e.message, 'zh', zhHeadline);
    return untranslated(text, allowed).map((o) => `${o.word} in ${text} (${e.message})`);
  });
}
