// Bundles main.ts (client-core and sync-server TypeScript sources) with esbuild, then runs it.
// Usage: node --expose-gc bench/client/run.mjs [--convs 1000] [--changed 10] [--messages 300]
//        node bench/client/run.mjs send [--sends 1000]      (N sends into one conversation, send.ts)
import { build } from 'esbuild';
import { join, dirname } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const entry = process.argv[2] === 'send' ? 'send' : 'main';
// Inside the repository, so the externals resolve from its node_modules.
const out = join(here, `../../node_modules/.cache/concord-bench/client-${entry}.mjs`);
await build({
  entryPoints: [join(here, `${entry}.ts`)],
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
