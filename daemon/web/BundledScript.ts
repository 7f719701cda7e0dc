// A bundled browser script (dist/web/*.js) served from disk: read again when the build replaced it,
// a clear 503 when it was never built.
import type { ServerResponse } from 'node:http';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { Logger } from '../util/logger.js';

/** dist/web/<name>: beside the bundled daemon (dist/vcbridged.js) or from the sources (daemon/web/). */
export function defaultScriptPath(name: string): string {
  const candidates = [
    new URL(`./web/${name}`, import.meta.url),
    new URL(`../../dist/web/${name}`, import.meta.url),
  ].map((u) => fileURLToPath(u));
  return candidates.find((f) => existsSync(f)) ?? candidates[candidates.length - 1]!;
}

export class BundledScript {
  #cache: { mtimeMs: number; body: Buffer } | undefined;

  constructor(
    readonly file: string,
    /** For the messages: "join page", "watch page". */
    readonly what: string,
    readonly log: Logger,
  ) {}

  serve(res: ServerResponse): void {
    try {
      const st = statSync(this.file);
      if (!this.#cache || this.#cache.mtimeMs !== st.mtimeMs)
        this.#cache = { mtimeMs: st.mtimeMs, body: readFileSync(this.file) };
    } catch (err) {
      this.log.error({ err, file: this.file }, `the ${this.what} script is missing (run \`npm run build\`)`);
      res
        .writeHead(503, { 'content-type': 'text/plain; charset=utf-8' })
        .end(`the ${this.what} is not built on this server (npm run build)\n`);
      return;
    }
    res
      .writeHead(200, {
        'content-type': 'text/javascript; charset=utf-8',
        'cache-control': 'no-cache',
        'x-content-type-options': 'nosniff',
      })
      .end(this.#cache.body);
  }
}
