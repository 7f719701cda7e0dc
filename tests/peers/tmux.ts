// A real terminal for end-to-end tests: a tmux server of our own (its own socket in a temp dir, no
// user config), one session running one command at a fixed size; keys in, screen text out.
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

export interface TmuxOptions {
  /** Program and arguments, run directly (no shell). */
  command: string[];
  cols?: number;
  rows?: number;
  cwd?: string;
  env?: Record<string, string>;
}

function shellQuote(s: string): string {
  return /^[\w@%+=:,./-]+$/.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`;
}

export class TmuxSession {
  readonly #dir: string;
  readonly #socket: string;
  #closed = false;

  private constructor(dir: string) {
    this.#dir = dir;
    this.#socket = join(dir, 'tmux.sock');
  }

  /** Start the command in a detached session of `cols`×`rows`; the pane stays after it exits. */
  static async start(opts: TmuxOptions): Promise<TmuxSession> {
    const s = new TmuxSession(mkdtempSync(join(tmpdir(), 'vcb-tmux-')));
    const envArgs = Object.entries({ TERM: 'xterm-256color', ...opts.env }).flatMap(([k, v]) => ['-e', `${k}=${v}`]);
    await s.tmux(
      // keep the pane after the program exits, so its last screen and exit status can be read
      'start-server',
      ';',
      'set-option',
      '-g',
      'remain-on-exit',
      'on',
      ';',
      'new-session',
      '-d',
      '-s',
      'main',
      '-x',
      String(opts.cols ?? 120),
      '-y',
      String(opts.rows ?? 40),
      ...(opts.cwd ? ['-c', opts.cwd] : []),
      ...envArgs,
      // A person's terminal: Ink draws nothing but the last frame when it believes it runs in CI,
      // and CI runs these tests with CI=true in the environment the tmux server inherits.
      `exec env -u CI -u CONTINUOUS_INTEGRATION ${opts.command.map(shellQuote).join(' ')}`,
    );
    return s;
  }

  async tmux(...args: string[]): Promise<string> {
    const { stdout } = await run('tmux', ['-S', this.#socket, '-f', '/dev/null', ...args], { encoding: 'utf8' });
    return stdout;
  }

  /** Send keys: tmux key names ('Enter', 'Escape', 'Up', 'C-c') or, with literal, plain text. */
  async sendKeys(keys: string | string[], opts: { literal?: boolean } = {}): Promise<void> {
    const list = Array.isArray(keys) ? keys : [keys];
    await this.tmux('send-keys', '-t', 'main', ...(opts.literal ? ['-l'] : []), ...list);
  }

  /** The visible screen as text (no colours), lines joined with \n. */
  async capture(): Promise<string> {
    return this.tmux('capture-pane', '-p', '-t', 'main');
  }

  /** Wait until the screen shows `text`; resolves with that screen, or throws with the last one. */
  async waitForText(text: string | RegExp, timeoutMs = 10_000, pollMs = 50): Promise<string> {
    const deadline = Date.now() + timeoutMs;
    let screen = '';
    for (;;) {
      screen = await this.capture();
      if (typeof text === 'string' ? screen.includes(text) : text.test(screen)) return screen;
      if (Date.now() > deadline)
        throw new Error(`terminal never showed ${String(text)} within ${timeoutMs} ms; screen:\n${screen}`);
      await new Promise((r) => setTimeout(r, pollMs));
    }
  }

  /** Whether the program rang the terminal's bell (BEL) since the start or the last clearBell(). */
  async bellRang(): Promise<boolean> {
    return (await this.tmux('display-message', '-p', '-t', 'main:0', '#{window_bell_flag}')).trim() === '1';
  }

  /** Forget the bell: tmux clears a window's alert when the window is selected again. */
  async clearBell(): Promise<void> {
    await this.tmux('new-window', '-d', '-t', 'main:9', 'sleep 3600');
    await this.tmux(
      'select-window',
      '-t',
      'main:9',
      ';',
      'select-window',
      '-t',
      'main:0',
      ';',
      'kill-window',
      '-t',
      'main:9',
    );
  }

  /** null while the program runs; then its exit status (128 + signal number when killed by one). */
  async exitStatus(): Promise<number | null> {
    const out = (
      await this.tmux('display-message', '-p', '-t', 'main', '#{pane_dead}:#{pane_dead_status}:#{pane_dead_signal}')
    ).trim();
    const [dead, status, signal] = out.split(':');
    if (dead !== '1') return null;
    // tmux 3.3 leaves the status empty for a clean exit
    if (signal) return 128 + Number(signal);
    return status ? Number(status) : 0;
  }

  /** Kill our tmux server (only ours: it has its own socket) and remove its directory. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    try {
      await this.tmux('kill-server');
    } catch (err) {
      // Already gone (the server exits by itself when its last session ends): nothing to kill.
      if (!/no server running|error connecting|No such file/i.test(String((err as Error).message))) throw err;
    } finally {
      rmSync(this.#dir, { recursive: true, force: true });
    }
  }
}
