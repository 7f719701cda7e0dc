// Bundle the launchers with esbuild: no TypeScript at run time, and fast start-up.
// The CLI bundles its pure-JS dependencies (one file to read instead of hundreds of modules: the
// status command's wall time is mostly module loading); the daemon keeps node_modules external
// (native addons and the mediasoup worker can't be bundled).
import { build } from 'esbuild';
import { chmodSync, copyFileSync, existsSync, mkdirSync, readdirSync, rmSync } from 'node:fs';

const t0 = Date.now();
// old split chunks would pile up otherwise (their names carry content hashes)
rmSync('dist/cli-chunks', { recursive: true, force: true });
const common = {
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  sourcemap: 'linked',
  jsx: 'automatic',
  logLevel: 'warning',
};
await build({
  ...common,
  entryPoints: { vcbridged: 'bin/vcbridged.ts' },
  outdir: 'dist',
  packages: 'external',
  banner: { js: '#!/usr/bin/env node' },
});
// The media plane worker thread (daemon/media/plane/MediaPlane.ts loads it from next to vcbridged.js).
await build({
  ...common,
  entryPoints: { 'media-plane': 'daemon/media/plane/planeWorker.ts' },
  outdir: 'dist',
  packages: 'external',
});
await build({
  ...common,
  entryPoints: { vcbridge: 'bin/vcbridge.ts' },
  outdir: 'dist',
  splitting: true,
  chunkNames: 'cli-chunks/[name]-[hash]',
  // optional native speed-ups of ws; react-devtools is only for ink's dev mode
  external: ['bufferutil', 'utf-8-validate', 'react-devtools-core'],
  // React's production build for the console: without this the bundle carried both builds and ran the
  // development one (NODE_ENV unset), with its extra checks on every render and twice the code to load
  define: { 'process.env.NODE_ENV': '"production"' },
  // bundled CommonJS deps (commander, ws) call require(); give ESM output one
  banner: {
    js: "#!/usr/bin/env node\nimport { createRequire as __vcCreateRequire } from 'node:module'; const require = __vcCreateRequire(import.meta.url);",
  },
});
for (const f of ['dist/vcbridge.js', 'dist/vcbridged.js']) chmodSync(f, 0o755);
// The multi-picture compositor's controller runs as a Python child of the daemon (GStreamer bindings).
mkdirSync('dist/compositor', { recursive: true });
for (const f of readdirSync('daemon/media/compositor').filter((n) => n.endsWith('.py')))
  copyFileSync(`daemon/media/compositor/${f}`, `dist/compositor/${f}`);
// The browser join page (issue: browser participants), when present.
if (existsSync('daemon/web/page.ts')) {
  await build({
    entryPoints: ['daemon/web/page.ts'],
    bundle: true,
    format: 'esm',
    platform: 'browser',
    target: 'chrome110',
    outfile: 'dist/web/page.js',
    minify: true,
    logLevel: 'warning',
  });
}
// The watch-only live page (issue #16): hls.js's own dist build, bundled with our few lines.
if (existsSync('daemon/web/watch.ts')) {
  await build({
    entryPoints: ['daemon/web/watch.ts'],
    bundle: true,
    format: 'esm',
    platform: 'browser',
    target: 'chrome110',
    outfile: 'dist/web/watch.js',
    minify: true,
    logLevel: 'warning',
  });
}
console.log(`[build] dist/ in ${Date.now() - t0} ms`);
