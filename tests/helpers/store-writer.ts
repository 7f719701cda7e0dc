// Child process for the SIGKILL durability test: writes audit and call-record rows as fast as it
// can and prints each id only after the write returned (= committed). The test kills it at a
// random moment and checks that every printed id survived.
import { Store } from '../../daemon/store/Store.js';

const file = process.argv[2];
if (!file) {
  process.stderr.write('usage: store-writer.ts <db file>\n');
  process.exit(2);
}
const store = Store.open(file);
let n = 0;

function burst(): void {
  for (let i = 0; i < 25; i++, n++) {
    const a = store.audit.append({
      actor: 'writer',
      role: 'operator',
      method: 'test.write',
      params: { n, pad: 'x'.repeat(n % 200) },
      result: 'ok',
    });
    process.stdout.write(`A ${a}\n`);
    const c = store.cdr.open({
      endpointId: `ep${n % 21}`,
      direction: n % 2 ? 'in' : 'out',
      callId: `call-${n}@127.0.0.1`,
    });
    if (n % 3 === 0) store.cdr.close(c, Date.now(), 'bye', { lossPct: n % 7 });
    process.stdout.write(`C ${c}\n`);
    if (n % 10 === 0) {
      // a multi-row transaction too: all 8 samples or none
      store.health.recordSamples(
        Array.from({ length: 8 }, (_, k) => ({ endpointId: `ep${k}`, at: n, rttMs: k, ok: true })),
      );
      process.stdout.write(`H ${n}\n`);
    }
  }
  setImmediate(burst);
}
process.stdout.write('READY\n');
burst();
