#!/usr/bin/env node
/*
 * Harmony app device budgets (issue 8), see bench/README.md "Harmony app". Builds bench/harmony/entry.ts with the
 * app bundle's esbuild options (same aliasing) into a temp file, runs it in a fresh Node with --expose-gc and
 * without global WebCrypto (as ArkTS), and prints a table with the bundle size.
 *   node bench/harmony.mjs [--convs 1000] [--messages 10000]
 */
import { build } from 'esbuild';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { bundleAll, bundleOptions } from '../harmony-app/scripts/bundle.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
const sizes = await bundleAll({ write: false });
const opts = bundleOptions(path.join(here, 'harmony/entry.ts'));
const r = await build({
  ...opts,
  platform: 'node',
  minify: false,
  target: 'node20',
  // Native and Node-only packages stay outside; everything the app ships is inlined as in the app bundle.
  external: ['better-sqlite3', 'ws', 'pino', 'pino-*'],
  banner: { js: "import { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);" },
});
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'concord-bench-'));
const file = path.join(path.dirname(fileURLToPath(import.meta.url)), 'harmony', '.bench-run.mjs');
fs.writeFileSync(file, r.outputFiles[0].contents);
try {
  const out = execFileSync(process.execPath, ['--expose-gc', '--no-experimental-global-webcrypto', file, ...process.argv.slice(2)], {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'inherit'],
    maxBuffer: 1 << 24,
  });
  const figures = JSON.parse(out.trim().split('\n').pop());
  for (const s of sizes) figures[`bundle ${s.name} (KiB min / gzip)`] = `${(s.bytes / 1024).toFixed(1)} / ${(s.gzip / 1024).toFixed(1)}`;
  console.log(`| figure | value |\n| --- | ---: |`);
  for (const [k, v] of Object.entries(figures)) console.log(`| ${k} | ${v} |`);
} finally {
  fs.rmSync(file, { force: true });
  fs.rmSync(tmp, { recursive: true, force: true });
}
