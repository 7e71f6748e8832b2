/**
 * The one esbuild step every bench shares: bench scripts import the workspaces' TypeScript sources (the `source`
 * export condition, never a stale dist/), so each measured part is bundled into one ESM file under
 * node_modules/.cache/concord-bench (inside the repository, so the external packages resolve from its
 * node_modules) and run by a plain `node`, in a fresh process where the bench wants one.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

export const root = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
export const buildDir = join(root, 'node_modules/.cache/concord-bench');

/** Native, Node-only and Yjs packages stay outside the bundle: one copy of Yjs per process, as in the product. */
export const SERVER_EXTERNALS = ['better-sqlite3', 'pino', 'pino-*', 'ws', 'yjs', 'lib0', 'lib0/*', 'y-protocols', 'y-protocols/*'];
/** The client side adds the browser storage packages (Dexie and its IndexedDB stand-in). */
export const CLIENT_EXTERNALS = [...SERVER_EXTERNALS, 'dexie', 'fake-indexeddb'];

/** Bundled CommonJS dependencies call `require`; an ESM file has none unless given one. */
const REQUIRE_BANNER = "import { createRequire as __benchRequire } from 'node:module'; const require = __benchRequire(import.meta.url);";

/**
 * Bundles `entry` to `<buildDir>/<name>.mjs` and returns that path.
 * `base`: esbuild options to start from (the harmony bench passes the app bundle's, so its aliasing is the app's);
 * `external`: packages left to Node's resolver.
 */
export async function bundle(entry, name, { base = {}, external = SERVER_EXTERNALS } = {}) {
  mkdirSync(buildDir, { recursive: true });
  const outfile = join(buildDir, `${name}.mjs`);
  const result = await build({
    conditions: ['source'],
    logLevel: 'warning',
    ...base,
    entryPoints: [entry],
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    minify: false,
    nodePaths: [join(root, 'node_modules')],
    external,
    banner: { js: REQUIRE_BANNER },
    write: false,
  });
  writeFileSync(outfile, result.outputFiles[0].contents);
  return outfile;
}
