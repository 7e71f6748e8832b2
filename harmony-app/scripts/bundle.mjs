#!/usr/bin/env node
/*
 * Bundles client-core (with yjs, lib0 and y-protocols inside) and the RDB storage adapter into ESM files the app
 * consumes as local ohpm packages (libs/*, see entry/oh-package.json5). ohpm cannot install npm packages and whether
 * hvigor honours package.json `exports` conditions is unverified (reference §4), so the app gets plain files.
 * lib0/webcrypto is aliased to bundle-runtime/webcryptoShim.ts: lib0's own module reads global `crypto` at import time.
 * Each bundle gets its declarations beside it (index.d.ts, one file: dts-bundle-generator with yjs, lib0 and
 * y-protocols inlined, since DevEco has none of them), which the oh-package.json5 `types` names: DevEco type-checks
 * the app against them, and so does check-ets.mjs (HAPP-SDK-3).
 * Outputs are build products (gitignored): run `npm run bundle -w @concord/harmony-app` before building in DevEco
 * (scripts/check-ets.mjs runs it too).
 *
 * Usage: node scripts/bundle.mjs [--check]   (--check: build in memory, print sizes, fail over budget)
 */
import { build } from 'esbuild';
import { createRequire } from 'node:module';
import { gzipSync } from 'node:zlib';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const appDir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
// Not app source (DevEco never compiles it as ArkTS): it runs inside the client-core bundle, in place of lib0's module.
export const SHIM = path.join(appDir, 'bundle-runtime/webcryptoShim.ts');

/** Minified size budgets in bytes. The board has 2 GB shared RAM and slow eMMC: parse time and memory grow with it. */
export const BUDGETS = { 'client-core': 250 * 1024, 'storage-adapters-rdb': 40 * 1024, runtime: 8 * 1024 };

/** esbuild plugin: every import of lib0/webcrypto (the package subpath or its files) goes to the shim. */
export const webcryptoAlias = {
  name: 'lib0-webcrypto-shim',
  setup(b) {
    b.onResolve({ filter: /^lib0\/webcrypto$|[\\/]lib0[\\/]webcrypto(\.node)?\.js$|^\.\/webcrypto\.js$/ }, (args) => {
      if (args.path.startsWith('./') && !/[\\/]lib0[\\/]/.test(args.importer)) return undefined;
      return { path: SHIM };
    });
  },
};

export function bundleOptions(entry, { alias = true } = {}) {
  return {
    entryPoints: [entry],
    bundle: true,
    format: 'esm',
    platform: 'neutral',
    target: 'es2017',
    minify: true,
    legalComments: 'none',
    // Resolve workspace packages to their TypeScript sources, never to a stale dist/.
    conditions: ['source', 'module', 'import', 'default'],
    mainFields: ['module', 'main'],
    write: false,
    logLevel: 'silent',
    plugins: alias ? [webcryptoAlias] : [],
  };
}

export const TARGETS = [
  {
    name: 'client-core',
    entry: path.join(appDir, '../client-core/src/index.ts'),
    out: 'libs/client-core/index.js',
    inline: ['yjs', 'lib0', 'y-protocols'],
  },
  {
    name: 'storage-adapters-rdb',
    entry: path.join(appDir, '../storage-adapters/src/rdb/index.ts'),
    out: 'libs/storage-adapters/rdb/index.js',
    inline: [],
  },
  {
    // The WHATWG globals the client-core bundle needs, installed from the app's native modules (JS on purpose:
    // ArkTS may not touch globalThis; see bundle-runtime/globals.ts).
    name: 'runtime',
    entry: path.join(appDir, 'bundle-runtime/globals.ts'),
    out: 'libs/runtime/index.js',
    inline: [],
  },
];

/** One declaration file per target, bundled, in TARGETS order (about 7 s: it type-checks the sources). */
export function bundleDeclarations() {
  const require = createRequire(import.meta.url);
  const { generateDtsBundle } = require('dts-bundle-generator');
  return generateDtsBundle(
    TARGETS.map((t) => ({ filePath: t.entry, libraries: { inlinedLibraries: t.inline }, output: { noBanner: true } })),
    { preferredConfigPath: path.join(appDir, 'tsconfig.dts.json') },
  );
}

export async function bundleAll({ write = true } = {}) {
  const results = [];
  const declarations = write ? bundleDeclarations() : [];
  for (const [i, t] of TARGETS.entries()) {
    const r = await build(bundleOptions(t.entry));
    const code = r.outputFiles[0].contents;
    if (write) {
      const out = path.join(appDir, t.out);
      fs.mkdirSync(path.dirname(out), { recursive: true });
      fs.writeFileSync(out, code);
      fs.writeFileSync(out.replace(/\.js$/, '.d.ts'), declarations[i]);
    }
    results.push({ name: t.name, bytes: code.byteLength, gzip: gzipSync(code).byteLength, budget: BUDGETS[t.name], code });
  }
  return results;
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const check = process.argv.includes('--check');
  const results = await bundleAll({ write: !check });
  let over = false;
  for (const r of results) {
    const ok = r.bytes <= r.budget;
    over ||= !ok;
    console.log(
      `${r.name}: ${(r.bytes / 1024).toFixed(1)} KiB minified, ${(r.gzip / 1024).toFixed(1)} KiB gzip ` +
        `(budget ${(r.budget / 1024).toFixed(0)} KiB) ${ok ? 'ok' : 'OVER BUDGET'}`,
    );
  }
  process.exit(over ? 1 : 0);
}
