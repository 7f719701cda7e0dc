// `conf layout` when no compositor can run: the built daemon (dist/, `node scripts/build.mjs` first)
// started without GStreamer's plugins, without a CJK font, and with a controller script that Python
// cannot run (a broken install). Each time the CLI must exit 1 with COMPOSITOR_UNAVAILABLE saying
// why, and the conference must keep its layout ('off'); `off` itself still works.
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { ROOT, TOKENS, runCli, startDaemon, testConfig, type RunningDaemon } from '../helpers/daemon.js';
import { freePort } from '../helpers/ports.js';
import type { ConferenceView } from '../../protocol/index.js';

let d: RunningDaemon | undefined;
const dirs: string[] = [];

function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'vcb-nocomp-'));
  dirs.push(dir);
  return dir;
}

const cli = (args: string[]): ReturnType<typeof runCli> => runCli(d!.url, args, TOKENS.operator, 60_000);

async function show(id: string): Promise<ConferenceView> {
  const r = await cli(['conf', 'show', id, '--json']);
  if (r.code !== 0) throw new Error(`conf show exited ${r.code}: ${r.stderr}`);
  return JSON.parse(r.stdout) as ConferenceView;
}

/** A daemon started with `env` (and maybe another bundle); a meeting of the one configured town. */
async function meeting(o: { env?: NodeJS.ProcessEnv; daemonJs?: string }): Promise<string> {
  d = await startDaemon({ config: testConfig(await freePort(), await freePort()), ...o });
  const r = await cli(['conf', 'start', '--title', '防汛会商', '--group', 'towns', '--json']);
  expect(r.code, r.stderr).toBe(0);
  return (JSON.parse(r.stdout) as ConferenceView).id;
}

/** `conf layout` is refused with the reason, nothing changes, and `off` is still accepted. */
async function expectRefused(id: string, reason: RegExp): Promise<void> {
  for (const args of [['2x2'], ['4x4', '--for', 'xiaoguan']]) {
    const r = await cli(['conf', 'layout', id, ...args, '--json']);
    expect(r.code, r.stdout + r.stderr).toBe(1);
    const out = r.stdout + r.stderr;
    expect(out).toMatch(/COMPOSITOR_UNAVAILABLE/);
    expect(out).toMatch(reason);
  }
  const v = await show(id);
  expect(v.multiview?.layout ?? 'off').toBe('off');
  expect(Object.keys(v.multiview?.pictures ?? {})).toEqual([]);
  const off = await cli(['conf', 'layout', id, 'off']);
  expect(off.code, off.stderr).toBe(0);
}

afterEach(async () => {
  await d?.stop();
  d = undefined;
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
}, 30_000);

describe('conf layout when the compositor cannot start', () => {
  it('GStreamer without its plugins: exit 1, COMPOSITOR_UNAVAILABLE naming the missing elements', async () => {
    const dir = tempDir();
    mkdirSync(join(dir, 'plugins'));
    const id = await meeting({
      env: {
        GST_PLUGIN_SYSTEM_PATH_1_0: join(dir, 'plugins'),
        GST_PLUGIN_PATH_1_0: join(dir, 'plugins'),
        GST_REGISTRY_1_0: join(dir, 'registry.bin'),
      },
    });
    await expectRefused(id, /GStreamer elements missing for the compositor: compositor textoverlay/);
  }, 120_000);

  it('no CJK font: exit 1, COMPOSITOR_UNAVAILABLE saying which font packages to install', async () => {
    const dir = tempDir();
    mkdirSync(join(dir, 'fonts'));
    const conf = join(dir, 'fonts.conf');
    writeFileSync(
      conf,
      `<?xml version="1.0"?>\n<fontconfig><dir>${join(dir, 'fonts')}</dir><cachedir>${join(dir, 'cache')}</cachedir></fontconfig>\n`,
    );
    const id = await meeting({ env: { FONTCONFIG_FILE: conf } });
    await expectRefused(id, /no CJK font .* fonts-noto-cjk or fonts-wqy-zenhei/);
  }, 120_000);

  it('a controller Python cannot run (broken install): exit 1, COMPOSITOR_UNAVAILABLE with its error', async () => {
    // a copy of the bundle whose gst_compositor.py was cut short; node_modules reached by a link
    const dir = tempDir();
    cpSync(join(ROOT, 'dist'), join(dir, 'dist'), { recursive: true });
    symlinkSync(join(ROOT, 'node_modules'), join(dir, 'node_modules'));
    const script = join(dir, 'dist', 'compositor', 'gst_compositor.py');
    const text = readFileSync(script, 'utf8');
    writeFileSync(script, text.slice(0, text.indexOf('class Controller')) + 'class Controller(\n');
    const id = await meeting({ daemonJs: join(dir, 'dist', 'vcbridged.js') });
    await expectRefused(id, /the compositor exited at start: .*SyntaxError/s);
  }, 120_000);
});
