#!/usr/bin/env node
/*
 * Static checks of the ArkTS app against the real OpenHarmony SDK declarations, without DevEco Studio
 * (SPEC.md section 10, HAPP-SDK-1..6):
 *  1. the vendored SDK (third_party/openharmony-sdk-5.0.0) is intact (FILES.txt hashes), and hand-written
 *     declarations (types/extra) declare nothing the SDK declares;
 *  2. every .ets and .ts file under entry/src/main/ets parses (ScriptKind.ETS with the SDK's ets-options.json),
 *     type-checks (strict) and passes ArkTSLinter_1_1: twice, with `@concord/*` resolved to the workspace sources and
 *     to the bundles + .d.ts DevEco sees (libs/, built here by scripts/bundle.mjs);
 *  3. ArkUI state: no plain struct field that rendering reads is assigned later (scripts/check/uiState.mjs);
 *  4. the notification request waits for the UI (scripts/check/lifecycle.mjs);
 *  5. resources and manifests resolve, and the manifests declare the SDK's API level.
 * Only TS28040 (a call of an API documented with @throws, outside try/catch) is a warning, as in DevEco.
 * Usage: node scripts/check-ets.mjs [--root <ets dir>] [--resources <dir>] [--concord sources|bundles|both] [--quiet]
 * Exits 1 on any finding and prints one line per finding plus a summary.
 */
import fs from 'node:fs';
import path from 'node:path';
import { createRequire } from 'node:module';
import { BUNDLES, SOURCES, appDir, etsOptions, sdkApiLevel } from './check/sdk.mjs';
import { checkProgram, lineOf, walk } from './check/program.mjs';
import { checkUiState } from './check/uiState.mjs';
import { checkLifecycle } from './check/lifecycle.mjs';
import { checkVendoredSdk } from './check/vendored.mjs';
import { checkApiLevel, checkManifests, checkStrings } from './check/manifests.mjs';
import { bundleAll } from './bundle.mjs';

const require = createRequire(import.meta.url);
const ts = require('typescript-ohos');

const args = process.argv.slice(2);
function arg(name, fallback) {
  const i = args.indexOf(name);
  return i >= 0 && args[i + 1] ? args[i + 1] : fallback;
}
const fixture = args.includes('--root');
const etsRoot = path.resolve(arg('--root', path.join(appDir, 'entry/src/main/ets')));
const resourcesDir = path.resolve(arg('--resources', path.join(appDir, 'entry/src/main/resources')));
const passes = { sources: ['sources'], bundles: ['bundles'], both: ['sources', 'bundles'] }[arg('--concord', 'both')];
if (!passes) throw new Error('--concord takes sources, bundles or both');

const findings = [];
const warnings = [];
const byKey = new Map();
/** One line per finding; one found by both passes is one finding tagged (sources+bundles). */
function report(kind, file, line, message) {
  const m = /^\((sources|bundles)\) ([\s\S]*)$/.exec(message);
  const rel = path.relative(process.cwd(), file);
  const key = `${kind}|${rel}|${line}|${m ? m[2] : message}`;
  const seen = byKey.get(key);
  if (seen && m) {
    seen.message = seen.message.replace(/^\((sources|bundles)\)/, (t) => (t.includes(m[1]) ? t : `(sources+bundles)`));
    return;
  }
  const f = { kind, file: rel, line, message };
  byKey.set(key, f);
  (kind === 'warning' ? warnings : findings).push(f);
}

const etsFiles = walk(etsRoot, (n) => n.endsWith('.ets'));
const tsFiles = walk(etsRoot, (n) => n.endsWith('.ts') && !n.endsWith('.d.ts'));
if (etsFiles.length === 0) report('setup', etsRoot, 0, 'no .ets files found');

checkVendoredSdk(report);

// Parse each .ets on its own, so a syntax error is reported even if type-checking stops elsewhere.
const parseOptions = { ets: etsOptions() };
const parsed = etsFiles.map((file) => {
  const sf = ts.createSourceFile(file, fs.readFileSync(file, 'utf8'), ts.ScriptTarget.ES2017, true, ts.ScriptKind.ETS, parseOptions);
  for (const d of sf.parseDiagnostics ?? []) report('parse', file, lineOf(sf, d.start), ts.flattenDiagnosticMessageText(d.messageText, ' '));
  return sf;
});
checkUiState(ts, parsed, report);
// The notification request may sit in any file (it used to be in platform/bootstrap.ts).
const parsedTs = tsFiles.map((file) => ts.createSourceFile(file, fs.readFileSync(file, 'utf8'), ts.ScriptTarget.ES2017, true, ts.ScriptKind.TS));
checkLifecycle(ts, [...parsed, ...parsedTs], report);

for (const pass of passes) {
  if (pass === 'bundles') {
    // The bundles DevEco builds with, and their declarations, from the current workspace sources.
    const built = await bundleAll({ write: true });
    for (const b of built) for (const e of b.declarationErrors ?? []) report('bundle', b.name, 0, e);
  }
  checkProgram(ts, { etsFiles, tsFiles, concord: pass === 'bundles' ? BUNDLES : SOURCES, pass, report });
}

checkStrings({ resourcesDir, etsFiles, report });
if (!fixture) {
  checkManifests({ appDir, etsRoot, resourcesDir, report });
  checkApiLevel({ appDir, level: sdkApiLevel(), report });
}

const quiet = args.includes('--quiet');
const line = (f) => `${f.file}:${f.line}: [${f.kind}] ${f.message}`;
if (!quiet) for (const f of warnings) console.error(line(f));
if (!quiet) for (const f of findings) console.error(line(f));
const byKind = {};
for (const f of findings) byKind[f.kind] = (byKind[f.kind] ?? 0) + 1;
console.log(
  `check-ets: ${etsFiles.length} .ets, ${tsFiles.length} .ts against OpenHarmony API ${sdkApiLevel()} (passes: ${passes.join(', ')}); ` +
    `${warnings.length} warning(s); ` +
    (findings.length === 0 ? 'SDK, parse, types, ArkTS linter, UI state, lifecycle, resources and manifests: 0 findings' : `${findings.length} finding(s) ${JSON.stringify(byKind)}`),
);
process.exit(findings.length === 0 ? 0 : 1);
