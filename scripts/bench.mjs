// `npm run bench`: every benchmark in bench/, one after another; each prints its own figures.
import { readdirSync } from 'node:fs';
import { spawnSync } from 'node:child_process';

const only = process.argv[2];
for (const f of readdirSync('bench')
  .filter((f) => /\.(ts|mjs)$/.test(f))
  .sort()) {
  if (only && !f.startsWith(only)) continue;
  console.log(`\n=== bench/${f}`);
  const r = spawnSync('npx', ['tsx', `bench/${f}`], { stdio: 'inherit' });
  if (r.status !== 0) console.log(`(bench/${f} exited ${r.status})`);
}
