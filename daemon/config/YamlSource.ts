import { LineCounter, parseDocument, isMap, isSeq, isScalar, isPair, type Document, type Node } from 'yaml';
import type { ConfigPath } from './validate.js';

export interface YamlSyntaxProblem {
  line: number;
  col: number;
  message: string;
}

/** A parsed YAML document that remembers where each value came from, so a finding about a field
 *  path (["endpoints", 3, "uri"]) can be turned into a line number. */
export class YamlSource {
  readonly #doc: Document.Parsed;
  readonly #lines: LineCounter;

  constructor(text: string) {
    this.#lines = new LineCounter();
    // uniqueKeys: a repeated key is an error, not a silent override of the first value
    this.#doc = parseDocument(text, { lineCounter: this.#lines, prettyErrors: false, uniqueKeys: true });
  }

  get syntaxErrors(): YamlSyntaxProblem[] {
    return this.#doc.errors.map((e) => ({ ...this.#pos(e.pos[0]), message: e.message }));
  }

  get syntaxWarnings(): YamlSyntaxProblem[] {
    return this.#doc.warnings.map((e) => ({ ...this.#pos(e.pos[0]), message: e.message }));
  }

  /** The plain JS value (aliases are expanded with the yaml package's bomb guard). */
  toJS(): unknown {
    return this.#doc.toJS({ maxAliasCount: 100 });
  }

  /** Line (1-based) of the value at `path`; of its key when `key` is set. When the path does not
   *  exist in the text (a missing or defaulted field) the closest existing ancestor's line. */
  lineOf(path: ConfigPath, opts: { key?: boolean } = {}): number {
    let node: unknown = this.#doc.contents;
    let line = node ? (this.#lineOfNode(node) ?? 1) : 1;
    for (let i = 0; i < path.length; i++) {
      const seg = path[i];
      const last = i === path.length - 1;
      if (isMap(node)) {
        const pair = node.items.find((p) => isPair(p) && isScalar(p.key) && String(p.key.value) === String(seg));
        if (!pair) return line;
        const keyLine = this.#lineOfNode(pair.key);
        const valueLine = pair.value ? this.#lineOfNode(pair.value) : undefined;
        if (last && opts.key) return keyLine ?? line;
        // "key:\n  - item" puts the value on the next line; a message about the value itself (wrong
        // type) still reads best at the value, a missing child at the closest line we know
        line = valueLine ?? keyLine ?? line;
        node = pair.value;
      } else if (isSeq(node) && typeof seg === 'number') {
        const item = node.items[seg];
        if (item === undefined) return line;
        line = this.#lineOfNode(item) ?? line;
        node = item;
      } else {
        return line;
      }
    }
    return line;
  }

  #lineOfNode(n: unknown): number | undefined {
    const range = (n as Node | null)?.range;
    return range ? this.#lines.linePos(range[0]).line : undefined;
  }

  #pos(offset: number): { line: number; col: number } {
    const p = this.#lines.linePos(offset);
    return { line: p.line, col: p.col };
  }
}
