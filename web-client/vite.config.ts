/**
 * Builds the web client into dist/ for sync-server to serve (WEB-SERVE-1). Workspace packages are bundled from
 * their TypeScript sources (the `source` export condition), so no prior build of client-core is needed. A small
 * inline plugin emits the service worker with the list of built files to precache.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { defineConfig, type Plugin } from 'vite';

const here = fileURLToPath(new URL('.', import.meta.url));

function serviceWorker(): Plugin {
  return {
    name: 'concord-service-worker',
    apply: 'build',
    generateBundle(_options, bundle) {
      const files = Object.keys(bundle)
        .filter((f) => !f.endsWith('.map'))
        .sort();
      const precache = ['/', ...files.map((f) => `/${f}`)];
      const version = createHash('sha256').update(files.join('\n')).digest('hex').slice(0, 12);
      const template = readFileSync(`${here}src/sw/sw.js`, 'utf8');
      this.emitFile({
        type: 'asset',
        fileName: 'sw.js',
        source: template.replace("'__VERSION__'", JSON.stringify(version)).replace('__PRECACHE__', JSON.stringify(precache)),
      });
    },
  };
}

export default defineConfig({
  root: here,
  base: '/',
  resolve: { conditions: ['source', 'module', 'browser', 'development|production'] },
  esbuild: { jsx: 'automatic', jsxImportSource: 'preact' },
  plugins: [serviceWorker()],
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    target: 'es2022',
    sourcemap: true,
    reportCompressedSize: false,
  },
  server: {
    // `npm run dev -w @concord/web-client` against a running sync-server.
    proxy: { '/v1': { target: 'http://localhost:1234', ws: true }, '/healthz': 'http://localhost:1234' },
  },
});
