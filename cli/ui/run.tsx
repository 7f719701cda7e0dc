// Entry of the console UI, imported on demand by `vcbridge console` (its own chunk in the bundle).
import { render } from 'ink';
import type { ScreenName } from './components/Header.js';
import { ConsoleRoot } from './ConsoleRoot.js';
import type { UiLang } from './i18n/index.js';

export interface ConsoleOptions {
  url: string;
  token?: string;
  lang: UiLang;
  initialScreen?: ScreenName;
}

const ENTER_ALT_SCREEN = '\u001b[?1049h\u001b[H';
const LEAVE_ALT_SCREEN = '\u001b[?1049l';

/** Run the console on this terminal until the operator quits; returns the exit code. */
export async function runConsole(opts: ConsoleOptions): Promise<number> {
  // The alternate screen keeps the operator's shell scrollback intact, like any full-screen tool.
  process.stdout.write(ENTER_ALT_SCREEN);
  const leave = () => process.stdout.write(LEAVE_ALT_SCREEN);
  process.once('exit', leave);
  const app = render(<ConsoleRoot {...opts} />, { exitOnCtrlC: true, patchConsole: true });
  try {
    await app.waitUntilExit();
    return 0;
  } finally {
    app.cleanup();
    process.off('exit', leave);
    leave();
  }
}
