import { useState } from 'react';
import { afterEach, describe, expect, it } from 'vitest';
import { Text } from 'ink';
import { render } from 'ink-testing-library';
import { RpcTestServer } from '../helpers/consoleServer.js';
import { useDaemon } from '../../cli/ui/hooks/useDaemon.js';
import { useNotifications } from '../../cli/ui/hooks/useNotifications.js';
import { frameWith } from '../helpers/console.js';
import { freePort } from '../helpers/ports.js';

function Probe({ url }: { url: string }) {
  const d = useDaemon({ url, token: 'op-token', backoff: { firstMs: 50, maxMs: 200 } });
  const [last, setLast] = useState('-');
  useNotifications(d, (m, p) => setLast(`${m}:${JSON.stringify(p)}`));
  const conn = d.conn.phase === 'disconnected' ? `disconnected#${d.conn.attempt} (${d.conn.error ?? 'closed'})` : d.conn.phase;
  return <Text>{conn} gen={d.generation} api={d.api ? 'yes' : 'no'} last={last}</Text>;
}

const servers: RpcTestServer[] = [];
const unmounts: (() => void)[] = [];
afterEach(async () => {
  for (const u of unmounts.splice(0)) u();
  for (const s of servers.splice(0)) await s.stop();
});

async function server(): Promise<RpcTestServer> {
  const s = new RpcTestServer({ status: { site: 'x' }, subscribe: (p) => p });
  servers.push(s);
  await s.start();
  return s;
}

function mount(url: string) {
  const r = render(<Probe url={url} />);
  unmounts.push(r.unmount);
  return r;
}

describe('useDaemon against a real WebSocket JSON-RPC server', () => {
  it('connects with the bearer token, subscribes to every notification and passes them on', async () => {
    const s = await server();
    const { lastFrame } = mount(s.url);
    await frameWith(lastFrame, 'connected gen=1 api=yes');
    expect(s.calls).toEqual([{ method: 'subscribe', params: { topics: ['*'] }, token: 'op-token' }]);
    s.push('endpoint.state', { id: 'xiaoguan', to: 'unreachable' });
    await frameWith(lastFrame, 'last=endpoint.state:{"id":"xiaoguan","to":"unreachable"}');
  });

  it('shows the control characters of what the daemon sends (a peer\'s Server header) as symbols', async () => {
    const s = await server();
    const { lastFrame } = mount(s.url);
    await frameWith(lastFrame, 'connected gen=1 api=yes');
    s.push('endpoint.state', { id: 'xiaoguan', reason: 'evil\u001b]0;pwned\u0007\u001b[2J' });
    await frameWith(lastFrame, 'last=endpoint.state:{"id":"xiaoguan","reason":"evil␛]0;pwned␇␛[2J"}');
    expect(lastFrame()).not.toContain('\u0007');
  });

  it('says it is disconnected when the daemon goes away, retries with backoff, and reconnects when it is back', async () => {
    const s = await server();
    const { lastFrame } = mount(s.url);
    await frameWith(lastFrame, 'connected gen=1');
    await s.stop();
    await frameWith(lastFrame, /disconnected#1 \(closed\) gen=1 api=no/);
    // while it is down, attempts keep coming, each refused
    await frameWith(lastFrame, /disconnected#[2-9] \(cannot reach the daemon at ws:\/\/127\.0\.0\.1:\d+: nothing is listening/);
    await s.start();
    await frameWith(lastFrame, 'connected gen=2 api=yes', 5000);
    // subscribed again on the new connection, and the same listener still hears notifications
    expect(s.calls.filter((c) => c.method === 'subscribe')).toHaveLength(2);
    s.push('conference.event', { message: 'back' });
    await frameWith(lastFrame, 'last=conference.event:{"message":"back"}');
  });

  it('keeps trying when no daemon is there at start, and connects once one listens', async () => {
    const port = await freePort();
    const { lastFrame } = mount(`ws://127.0.0.1:${port}`);
    await frameWith(lastFrame, /disconnected#1 \(cannot reach the daemon/);
    const s = new RpcTestServer({ subscribe: (p) => p }, { port });
    servers.push(s);
    await s.start();
    await frameWith(lastFrame, 'connected gen=1 api=yes', 5000);
  });
});
