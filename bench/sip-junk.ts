// What hostile SIP input costs the event loop (figures that tests must not assert; see
// tests/integration/sip-defects.test.ts for what happens): parsing one 63 KB UDP datagram of
// " \r\n" x 21,000 (NOTES: the library's regex was quadratic, 0.5–0.9 s), and Nagle on TCP
// (the gap between a 180 and the 200 written right after it). Run: npx tsx bench/sip-junk.ts
import { performance } from 'node:perf_hooks';
import { parseMessage } from '../daemon/sip/sipLibrary.js';

const junk = Buffer.from(' \r\n'.repeat(21_000), 'latin1');
const runs: number[] = [];
for (let i = 0; i < 20; i++) {
  const t0 = performance.now();
  parseMessage(junk);
  runs.push(performance.now() - t0);
}
runs.sort((a, b) => a - b);
console.log(
  `parse of a 63 KB junk datagram: median ${runs[10]!.toFixed(2)} ms, max ${runs[19]!.toFixed(2)} ms (goal < 50 ms)`,
);
