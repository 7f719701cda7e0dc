import { describe, expect, it } from 'vitest';
import { TechnicianScreen, type Diagnose } from '../../cli/ui/screens/TechnicianScreen.js';
import { runDiagnosis } from '../../cli/ui/data/diagnose.js';
import type { ConsoleApi } from '../../cli/ui/data/types.js';
import { translator } from '../../cli/ui/i18n/index.js';
import { SITE, frameWith, plain, renderIn, settle } from '../helpers/console.js';

const DOWN = '\u001b[B';

/** A daemon stand-in whose answers the test releases one by one. */
function slowApi() {
  const waiting: { method: string; resolve: (v: unknown) => void }[] = [];
  const api: ConsoleApi = { call: ((method: string) => new Promise<unknown>((resolve) => waiting.push({ method, resolve }))) as ConsoleApi['call'] };
  const answer = async (method: string, value: unknown) => {
    for (let i = 0; i < 100 && !waiting.some((w) => w.method === method); i++) await settle(10);
    const w = waiting.find((x) => x.method === method);
    if (!w) throw new Error(`${method} was never called`);
    waiting.splice(waiting.indexOf(w), 1);
    w.resolve(value);
  };
  return { api, answer, waiting };
}

function setup(lang: 'en' | 'zh' = 'en') {
  const { api, answer, waiting } = slowApi();
  const t = translator(lang);
  const diagnose: Diagnose = (id, onUpdate) => runDiagnosis(api, id, t, onUpdate);
  const backs: number[] = [];
  const r = renderIn(lang, <TechnicianScreen endpoints={SITE} diagnose={diagnose} height={30} onBack={() => backs.push(1)} />);
  return { ...r, answer, waiting, backs, frame: () => plain(r.lastFrame()) };
}

const xiaoguan = { ...SITE[1]!, uptime: { last24h: 1, last7d: 1 }, transitions: [] };

describe('TechnicianScreen', () => {
  it('lists endpoints by kind with state, RTT and the reason they are down', () => {
    const { frame } = setup();
    const f = frame();
    expect(f).toContain('Choose an endpoint to diagnose');
    expect(f).toMatch(/› ● reachable\s+Zhengzhou\s+zhengzhou\s+8 ms/);
    expect(f).toMatch(/✕ unreachable\s+Zhulin\s+zhulin\s+—\s+timeout/);
    expect(f.indexOf('Zhengzhou')).toBeLessThan(f.indexOf('Xiaoguan'));
    expect(f.indexOf('Xinhua Rd')).toBeLessThan(f.indexOf('Education Bureau'));
  });

  it('runs the diagnosis step by step with a spinner on the running step, then gives the verdict and likely cause', async () => {
    const { stdin, frame, answer } = setup();
    stdin.write(DOWN);
    await settle();
    stdin.write('\r');
    await frameWith(frame, 'Diagnosis: Xiaoguan (xiaoguan)');
    // config is running (a spinner, not a result symbol); the rest waits
    expect(frame()).toMatch(/[⠋⠙⠹⠸⠼⠴⠦⠧⠇⠏] Configuration/);
    expect(frame()).toMatch(/· Address/);
    await answer('endpoint.show', xiaoguan);
    await frameWith(frame, /✓ Configuration\s+Towns, sip:xiaoguan@127\.0\.1\.1:5060 \(udp\)/);
    expect(frame()).toMatch(/✓ Address\s+host 127\.0\.1\.1, port 5060/);
    expect(frame()).toMatch(/[⠋⠙⠹⠸⠼⠴⠦⠧⠇⠏] SIP OPTIONS/);
    await answer('endpoint.check', {
      id: 'xiaoguan', uri: xiaoguan.uri, verdict: 'failed', likelyCause: 'host down or a firewall drops SIP',
      probes: [{ transport: 'udp', ok: false, error: 'timeout' }, { transport: 'tcp', ok: false, error: 'refused' }],
    });
    const f = await frameWith(frame, 'Verdict: not working');
    expect(f).toMatch(/✕ SIP OPTIONS over UDP\s+timeout/);
    expect(f).toMatch(/! SIP OPTIONS over TCP\s+refused/);
    expect(f).toMatch(/– Test call\s+skipped: the endpoint does not answer OPTIONS/);
    expect(f).toContain('Likely cause: host down or a firewall drops SIP');
    expect(f).toContain('r diagnose · q back');
  });

  it('goes back to the list with q, and out with q again', async () => {
    const { stdin, frame, backs, answer } = setup('zh');
    stdin.write('\r');
    await frameWith(frame, '诊断：郑州市政府');
    await answer('endpoint.show', { ...SITE[0]!, uptime: {}, transitions: [] });
    stdin.write('q');
    await frameWith(frame, '选择要诊断的会场');
    expect(backs).toEqual([]);
    stdin.write('q');
    await settle();
    expect(backs).toEqual([1]);
  });
});
