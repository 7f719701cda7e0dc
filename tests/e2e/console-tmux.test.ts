// The console in a real terminal (tmux) against the real, built daemon: `vcbridge` with no command
// opens it, the overview shows the site and its configured endpoints by kind, keys switch screens,
// the console notices the daemon going away and comes back by itself, and `q` quits cleanly.
import { spawnSync } from 'node:child_process';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ensureBuilt } from '../helpers/build.js';
import { CLI_JS, ROOT, TOKENS, startDaemon, testConfig, type RunningDaemon } from '../helpers/daemon.js';
import { freePort } from '../helpers/ports.js';
import { TmuxSession } from '../peers/tmux.js';

const SITE = '巩义市视频会议系统 E2E';

async function siteConfig(): Promise<Record<string, unknown>> {
  const [api, sip] = [await freePort(), await freePort()];
  // Endpoints on ports nobody answers: they need not be up for the overview to list them.
  const ep = (id: string, zh: string, en: string, kind: string, host: string) => ({
    id,
    name: { zh, en },
    kind,
    uri: `sip:${id}@${host}:${sip + 1}`,
    groups: kind === 'town' ? ['towns'] : [],
  });
  return testConfig(api, sip, {
    site: { name: SITE, timezone: 'Asia/Shanghai' },
    endpoints: [
      ep('zhengzhou', '郑州市政府', 'Zhengzhou', 'upstream', '127.0.0.1'),
      ep('xiaoguan', '小关镇', 'Xiaoguan', 'town', '127.0.0.1'),
      ep('mihe', '米河镇', 'Mihe', 'town', '127.0.0.1'),
      ep('jiaoyu', '教育局', 'Education Bureau', 'bureau', '127.0.0.1'),
    ],
  });
}

describe('operator console in a real terminal', () => {
  let daemon: RunningDaemon | undefined;
  let term: TmuxSession | undefined;

  beforeAll(async () => {
    await ensureBuilt();
    daemon = await startDaemon({ config: await siteConfig() });
  }, 60_000);

  afterEach(async () => {
    await term?.close();
    term = undefined;
  });

  afterAll(async () => {
    await daemon?.stop();
  });

  const openConsole = (lang: 'zh' | 'en', extra: string[] = []) =>
    TmuxSession.start({
      command: [process.execPath, CLI_JS, '--url', daemon!.url, '--token', TOKENS.operator, '--lang', lang, ...extra],
      cols: 120,
      rows: 40,
      cwd: ROOT,
    });

  it('`vcbridge` with no command on a terminal opens the overview with the site name and its endpoints by kind', async () => {
    term = await openConsole('zh');
    const screen = await term.waitForText(SITE);
    expect(screen).toContain('总览');
    await term.waitForText('已连接');
    const withEndpoints = await term.waitForText('小关镇', 10_000);
    for (const text of ['郑州市政府', '米河镇', '教育局', '上级', '乡镇', '委局'])
      expect(withEndpoints).toContain(text);
  });

  it('switches screens with the number keys and quits with q from the overview', async () => {
    term = await openConsole('en');
    await term.waitForText('connected');
    await term.sendKeys('4');
    await term.waitForText('This week');
    await term.sendKeys('3');
    await term.waitForText('Choose an endpoint to diagnose');
    await term.sendKeys('q');
    await term.waitForText("Today's meetings");
    await term.sendKeys('q');
    for (let i = 0; i < 100 && (await term.exitStatus()) === null; i++) await new Promise((r) => setTimeout(r, 50));
    expect(await term.exitStatus()).toBe(0);
  });

  it('says when the daemon is gone and reconnects by itself when it is back', async () => {
    term = await openConsole('en');
    await term.waitForText('connected');
    await daemon!.stop();
    await term.waitForText('daemon unreachable', 10_000);
    daemon = await startDaemon({ dir: daemon!.dir });
    await term.waitForText(/● connected/, 20_000);
  }, 45_000);

  it('refuses to draw into a pipe and names the plain commands instead', () => {
    const r = spawnSync(process.execPath, [CLI_JS, 'console', '--url', daemon!.url], {
      encoding: 'utf8',
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    expect(r.status).not.toBe(0);
    expect(r.stderr).toContain('vcbridge status');
    expect(r.stdout + r.stderr).not.toContain('\u001b[');
    // With no command and no terminal, the help is printed (plain text, exit 0).
    const help = spawnSync(process.execPath, [CLI_JS], { encoding: 'utf8', stdio: ['pipe', 'pipe', 'pipe'] });
    expect(help.status).toBe(0);
    expect(help.stdout).toContain('console');
    expect(help.stdout).not.toContain('\u001b[');
  });
});
