#!/usr/bin/env node
/*
 * Re-vendors the subset of the OpenHarmony SDK declarations that check-ets.mjs needs (HAPP-SDK-1), so a fresh clone
 * checks the app against the real SDK without the SDK installed. Files are copied byte for byte, keeping the SDK's
 * layout (component/*.d.ts import '../api/...', so api/ must stay beside component/).
 *
 * What is copied: LICENSE, ets-options.json, every ArkUI component/*.d.ts (an .ets file sees all of them as
 * globals), every @ohos.* / @kit.* module the app's sources import, and the transitive closure of what those files
 * import or reference (comments are skipped: the SDK's doc examples import many modules). FILES.txt lists the result with each file's SHA-256.
 *
 * Usage: node scripts/vendor-sdk.mjs --from <SDK dir with api/ kits/ component/ ets-options.json> [--to <dir>]
 *   (default --to: third_party/openharmony-sdk-5.0.0). Re-run after the app imports a new module.
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

const require = createRequire(import.meta.url);
const ts = require('typescript-ohos');
const appDir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

/** The ohos / kit module names the app's sources import (comments skipped). */
export function importedSdkModules(srcDir) {
  const names = new Set();
  const walk = (d) => {
    for (const e of fs.readdirSync(d, { withFileTypes: true })) {
      const p = path.join(d, e.name);
      if (e.isDirectory()) walk(p);
      else if (/\.(ets|ts)$/.test(e.name)) {
        for (const f of ts.preProcessFile(fs.readFileSync(p, 'utf8'), true, true).importedFiles) {
          if (/^@(ohos|kit|system)\./.test(f.fileName)) names.add(f.fileName);
        }
      }
    }
  };
  walk(srcDir);
  return [...names].sort();
}

const DECL_EXT = ['.d.ts', '.d.ets'];

/** Resolves an import specifier of an SDK file the way check-ets.mjs's compiler options do. */
function resolveSpec(sdk, fromFile, spec) {
  const bases = [];
  if (spec.startsWith('.')) bases.push(path.resolve(path.dirname(fromFile), spec));
  else if (spec.startsWith('@kit.')) bases.push(path.join(sdk, 'kits', spec));
  else bases.push(path.join(sdk, 'api', spec));
  for (const b of bases) {
    for (const c of [...DECL_EXT.map((e) => b + e), ...DECL_EXT.map((e) => path.join(b, 'index' + e))]) {
      if (fs.existsSync(c) && fs.statSync(c).isFile()) return c;
    }
    if (/\.d\.e?ts$/.test(b) && fs.existsSync(b)) return b;
  }
  return null;
}

/** The transitive closure of `seeds` (absolute paths inside `sdk`) over imports, import types and references. */
export function closure(sdk, seeds) {
  const done = new Set();
  const unresolved = [];
  const queue = [...seeds];
  while (queue.length) {
    const f = queue.pop();
    if (done.has(f)) continue;
    done.add(f);
    const info = ts.preProcessFile(fs.readFileSync(f, 'utf8'), true, true);
    const specs = [
      ...info.importedFiles.map((r) => r.fileName),
      ...info.referencedFiles.map((r) => (r.fileName.startsWith('.') ? r.fileName : './' + r.fileName)),
    ];
    for (const s of specs) {
      const r = resolveSpec(sdk, f, s);
      if (r) queue.push(r);
      else unresolved.push(`${path.relative(sdk, f)}: ${s}`);
    }
  }
  return { files: [...done].sort(), unresolved };
}

function main() {
  const args = process.argv.slice(2);
  const get = (n) => (args.indexOf(n) >= 0 ? args[args.indexOf(n) + 1] : undefined);
  const from = get('--from');
  if (!from) {
    console.error('usage: node scripts/vendor-sdk.mjs --from <sdk dir> [--to <dir>]');
    process.exit(2);
  }
  const sdk = path.resolve(from);
  const to = path.resolve(get('--to') ?? path.join(appDir, 'third_party/openharmony-sdk-5.0.0'));
  const modules = importedSdkModules(path.join(appDir, 'entry/src/main/ets'));
  const seeds = [
    ...fs.readdirSync(path.join(sdk, 'component')).filter((n) => n.endsWith('.d.ts')).map((n) => path.join(sdk, 'component', n)),
  ];
  for (const m of modules) {
    const r = resolveSpec(sdk, sdk, m);
    if (!r) throw new Error(`the app imports ${m}, which the SDK at ${sdk} does not declare`);
    seeds.push(r);
  }
  const { files, unresolved } = closure(sdk, seeds);
  // Keep README.md and LICENSE of the vendored dir; replace the declarations wholesale so a dropped import drops files.
  for (const d of ['api', 'kits', 'component']) fs.rmSync(path.join(to, d), { recursive: true, force: true });
  const copied = [...files, path.join(sdk, 'ets-options.json'), path.join(sdk, 'LICENSE')];
  for (const f of copied) {
    const rel = path.relative(sdk, f);
    fs.mkdirSync(path.dirname(path.join(to, rel)), { recursive: true });
    fs.copyFileSync(f, path.join(to, rel));
  }
  // One `sha256  path` line per file (sha256sum's format): check-ets.mjs refuses a vendored file that was edited.
  const list = copied
    .map((f) => `${crypto.createHash('sha256').update(fs.readFileSync(f)).digest('hex')}  ${path.relative(sdk, f).split(path.sep).join('/')}`)
    .sort((a, b) => (a.slice(66) < b.slice(66) ? -1 : 1));
  fs.writeFileSync(path.join(to, 'FILES.txt'), list.join('\n') + '\n');
  const bytes = copied.reduce((n, f) => n + fs.statSync(f).size, 0);
  console.log(`vendored ${copied.length} files (${(bytes / 1048576).toFixed(1)} MiB) for ${modules.length} app modules: ${modules.join(', ')}`);
  // Unresolved specifiers are SDK-internal references to files the SDK itself does not ship; the check reports any
  // that matter as type errors, so they are listed, not fatal.
  if (unresolved.length) console.log(`unresolved inside the SDK (${unresolved.length}):\n  ${unresolved.join('\n  ')}`);
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) main();
