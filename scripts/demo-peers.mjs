// The demo's room systems in a process of their own (scripts/demo.mjs starts it in its own process
// group, so every baresip and kamailio it spawns can be killed as one group). It stops its rooms
// on SIGTERM/SIGINT and when the demo that started it goes away (the IPC channel closes).
// Argument: JSON options for startDemoPeers. Reports { ready } or { error } over IPC.
import { tsImport } from 'tsx/esm/api';

const { startDemoPeers } = await tsImport('../tests/peers/demoPeers.ts', import.meta.url);
const starting = startDemoPeers(JSON.parse(process.argv[2] ?? '{}'));
let stopping;
const stop = () =>
  (stopping ??= (async () => {
    const peers = await starting.catch(() => undefined); // a failed start stopped what it had started
    await peers?.stop().catch((err) => console.error(`stopping the demo rooms: ${err.message}`));
    process.exit(0);
  })());
process.on('SIGTERM', () => void stop());
process.on('SIGINT', () => void stop());
process.on('disconnect', () => void stop());
starting.then(
  () => process.send?.({ ready: true }),
  (err) => {
    process.send?.({ error: err.message });
    void stop();
  },
);
