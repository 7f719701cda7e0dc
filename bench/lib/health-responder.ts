// Child process of bench/health.ts: answers OPTIONS for many endpoints on 127.0.x.y so that its
// CPU is not counted as the daemon side's. Driven over IPC:
//   in:  { silence: {host, port} } | { cpu: true }
//   out: { ready: true } | { error } | { cpuMs } | { silenced }
import { OptionsResponder, type ResponderAddress } from '../../tests/helpers/optionsResponder.js';

const addresses = JSON.parse(process.argv[2] ?? '[]') as ResponderAddress[];
const send = (m: unknown) => process.send?.(m);

try {
  const r = await OptionsResponder.start({ addresses, server: 'bench-responder/1.0' });
  process.on('message', (m: { silence?: ResponderAddress; cpu?: boolean }) => {
    if (m.silence) {
      r.set(m.silence, { silent: true });
      send({ silenced: m.silence });
    }
    if (m.cpu) {
      const u = process.cpuUsage();
      send({ cpuMs: (u.user + u.system) / 1000, answered: r.total });
    }
  });
  process.on('disconnect', () => {
    void r.close().then(() => process.exit(0));
  });
  send({ ready: true });
} catch (err) {
  send({ error: (err as Error).message });
  process.exit(1);
}
