// Bundles main.ts (client-core and sync-server TypeScript sources) with esbuild, then runs it.
// Usage: node --expose-gc bench/client/run.mjs [--convs 1000] [--changed 10] [--messages 300]
import { build } from 'esbuild';
import { join, dirname } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
// Inside the repository, so the externals resolve from its node_modules.
const out = join(here, '../../node_modules/.cache/concord-bench/client-main.mjs');
await build({
  entryPoints: [join(here, 'main.ts')],
  outfile: out,
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  conditions: ['source'],
  external: ['ws', 'better-sqlite3', 'pino', 'dexie', 'fake-indexeddb'],
  nodePaths: [join(here, '../../node_modules')],
  banner: { js: "import { createRequire } from 'node:module'; const require = createRequire(import.meta.url);" },
  logLevel: 'warning',
});
await import(pathToFileURL(out).href);
