// Bundle the two launchers with esbuild: fast start-up (no TypeScript at run time), and
// dependencies stay in node_modules (native addons and the mediasoup worker can't be bundled).
import { build } from 'esbuild';
import { chmodSync, existsSync } from 'node:fs';

const t0 = Date.now();
const common = {
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  packages: 'external',
  sourcemap: 'linked',
  jsx: 'automatic',
  logLevel: 'warning',
  banner: { js: '#!/usr/bin/env node' },
};
await build({ ...common, entryPoints: { vcbridge: 'bin/vcbridge.ts', vcbridged: 'bin/vcbridged.ts' }, outdir: 'dist' });
for (const f of ['dist/vcbridge.js', 'dist/vcbridged.js']) chmodSync(f, 0o755);
// The browser join page (issue: browser participants), when present.
if (existsSync('daemon/web/page.ts')) {
  await build({ entryPoints: ['daemon/web/page.ts'], bundle: true, format: 'esm', platform: 'browser', target: 'chrome110', outfile: 'dist/web/page.js', minify: true, logLevel: 'warning' });
}
console.log(`[build] dist/ in ${Date.now() - t0} ms`);
