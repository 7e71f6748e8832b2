#!/usr/bin/env node
/*
 * Static checks for the ArkTS sources, without DevEco Studio (issue 8):
 *  1. parse: every .ets parses with ohos-typescript as ScriptKind.ETS with the ArkUI component list;
 *  2. types: the whole entry module type-checks (strict) against harmony-app/types/ohos, our declarations of the
 *     OpenHarmony/ArkUI APIs the app uses;
 *  3. ArkTS: ArkTSLinter_1_1 reports nothing. The linter only looks at .ets files, so each facade .ts file (the
 *     code pages call) is also linted through a virtual .ets twin with the same text;
 *  4. resources: every $r('app.string.x') names a string present in base AND zh_CN, and both string tables carry
 *     the same keys.
 * Usage: node scripts/check-ets.mjs [--root <dir with .ets files>] [--facade <dir>] [--quiet]
 * Exits 1 on any finding and prints one line per finding plus a summary.
 */
import fs from 'node:fs';
import path from 'node:path';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

const require = createRequire(import.meta.url);
const ts = require('typescript-ohos');

const appDir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const args = process.argv.slice(2);
function arg(name, fallback) {
  const i = args.indexOf(name);
  return i >= 0 && args[i + 1] ? path.resolve(args[i + 1]) : fallback;
}
const etsRoot = arg('--root', path.join(appDir, 'entry/src/main/ets'));
const facadeDir = arg('--facade', path.join(appDir, 'entry/src/main/ets/facade'));
const resourcesDir = arg('--resources', path.join(appDir, 'entry/src/main/resources'));
const typesDir = path.join(appDir, 'types/ohos');

// The ArkUI components the parser must know to accept builder syntax (`Column() { ... }.width(...)`). Listing a
// component here does not declare it: one the pages use without a declaration in types/ohos fails type-checking.
const COMPONENTS = [
  'Badge', 'Blank', 'Button', 'Checkbox', 'Circle', 'Column', 'Divider', 'Flex', 'Grid', 'GridItem', 'Image',
  'List', 'ListItem', 'ListItemGroup', 'LoadingProgress', 'Navigation', 'NavDestination', 'Progress', 'Radio',
  'Rect', 'Refresh', 'RelativeContainer', 'Row', 'Scroll', 'Search', 'Select', 'Shape', 'Span', 'Stack', 'Swiper',
  'TabContent', 'Tabs', 'Text', 'TextArea', 'TextInput', 'Toggle', 'Web', 'WaterFlow', 'FlowItem', 'ImageSpan',
];
const etsOptions = {
  render: { method: ['build', 'pageTransition'], decorator: ['LocalBuilder', 'Builder'] },
  components: COMPONENTS,
  libs: [],
  extend: {
    decorator: ['Extend', 'AnimatableExtend'],
    components: COMPONENTS.map((name) => ({ name, type: `${name}Attribute`, instance: `${name}Instance` })),
  },
  styles: { decorator: 'Styles', component: { name: 'Common', type: 'T', instance: 'CommonInstance' }, property: 'stateStyles' },
  concurrent: { decorator: 'Concurrent' },
  customComponent: 'CustomComponent',
  propertyDecorators: [
    { name: 'Link', needInitialization: false },
    { name: 'Prop', needInitialization: false },
    { name: 'ObjectLink', needInitialization: false },
    { name: 'Consume', needInitialization: false },
  ],
  emitDecorators: ['Entry', 'Component', 'State', 'Prop', 'Link', 'Builder', 'BuilderParam', 'Observed', 'ObjectLink',
    'StorageLink', 'StorageProp', 'Provide', 'Consume', 'Watch'].map((name) => ({ name, emitParameters: true })),
  syntaxComponents: { paramsUICallback: ['ForEach', 'LazyForEach'], attrUICallback: [] },
};

const compilerOptions = {
  ets: etsOptions,
  target: ts.ScriptTarget.ES2017,
  module: ts.ModuleKind.ESNext,
  moduleResolution: ts.ModuleResolutionKind.NodeJs,
  lib: ['lib.es2020.d.ts'],
  types: [],
  strict: true,
  noImplicitReturns: true,
  noEmit: true,
  experimentalDecorators: true,
  skipLibCheck: true,
  baseUrl: typesDir,
  paths: { '@ohos.*': ['@ohos.*'], '@kit.*': ['@kit.*'], '@concord/client-core': ['concord-client-core'] },
};

function walk(dir, pred, out = []) {
  if (!fs.existsSync(dir)) return out;
  for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) walk(p, pred, out);
    else if (pred(e.name)) out.push(p);
  }
  return out.sort();
}

const findings = [];
function report(kind, file, line, message) {
  findings.push({ kind, file: path.relative(process.cwd(), file), line, message });
}
function lineOf(sf, pos) {
  return pos === undefined ? 0 : sf.getLineAndCharacterOfPosition(pos).line + 1;
}

const etsFiles = walk(etsRoot, (n) => n.endsWith('.ets'));
const facadeFiles = walk(facadeDir, (n) => n.endsWith('.ts') && !n.endsWith('.d.ts'));
const declFiles = walk(typesDir, (n) => n.endsWith('.d.ts'));
if (etsFiles.length === 0) report('setup', etsRoot, 0, 'no .ets files found');

// 1. parse each .ets on its own, so a syntax error is reported even if type-checking would stop elsewhere.
for (const file of etsFiles) {
  const sf = ts.createSourceFile(file, fs.readFileSync(file, 'utf8'), ts.ScriptTarget.ES2017, true, ts.ScriptKind.ETS, compilerOptions);
  for (const d of sf.parseDiagnostics ?? []) report('parse', file, lineOf(sf, d.start), ts.flattenDiagnosticMessageText(d.messageText, ' '));
}

// 2 + 3. one builder program over every .ets, every facade twin and the declarations.
const TWIN = '.arkts-twin.ets';
const twinOf = new Map(facadeFiles.map((f) => [f.replace(/\.ts$/, TWIN), f]));
const host = ts.createIncrementalCompilerHost(compilerOptions);
const origRead = host.readFile.bind(host);
const origExists = host.fileExists.bind(host);
host.readFile = (f) => (twinOf.has(f) ? origRead(twinOf.get(f)) : origRead(f));
host.fileExists = (f) => twinOf.has(f) || origExists(f);
const origGetSourceFile = host.getSourceFile.bind(host);
host.getSourceFile = (f, lang, onError, shouldCreate) => {
  if (twinOf.has(f)) {
    const text = origRead(twinOf.get(f));
    const sf = ts.createSourceFile(f, text, lang, true, ts.ScriptKind.ETS, compilerOptions);
    sf.version = ts.sys.createHash ? ts.sys.createHash(text) : String(text.length);
    return sf;
  }
  return origGetSourceFile(f, lang, onError, shouldCreate);
};
const roots = [...declFiles, ...etsFiles, ...twinOf.keys()];
const builder = ts.createEmitAndSemanticDiagnosticsBuilderProgram(roots, compilerOptions, host);
const program = builder.getProgram();
const ours = new Set([...etsFiles, ...facadeFiles, ...twinOf.keys()].map((f) => path.resolve(f)));
const isOurs = (sf) => sf && ours.has(path.resolve(sf.fileName));
const realName = (f) => twinOf.get(f) ?? f;

for (const d of [...program.getOptionsDiagnostics(), ...program.getGlobalDiagnostics()]) {
  report('types', '(program)', 0, ts.flattenDiagnosticMessageText(d.messageText, ' '));
}
for (const sf of program.getSourceFiles()) {
  if (!isOurs(sf) || twinOf.has(sf.fileName)) continue;
  for (const d of [...program.getSyntacticDiagnostics(sf), ...program.getSemanticDiagnostics(sf)]) {
    report('types', sf.fileName, lineOf(sf, d.start), `TS${d.code} ${ts.flattenDiagnosticMessageText(d.messageText, ' ')}`);
  }
}
// The declarations themselves must be coherent, or a check against them means nothing.
for (const sf of program.getSourceFiles()) {
  if (!declFiles.includes(sf.fileName)) continue;
  for (const d of program.getSemanticDiagnostics(sf)) report('decl', sf.fileName, lineOf(sf, d.start), ts.flattenDiagnosticMessageText(d.messageText, ' '));
}

const linted = ts.ArkTSLinter_1_1.runArkTSLinter(builder, undefined, undefined, '1.1');
const seen = new Set();
for (const d of linted) {
  if (!d.file || !isOurs(d.file)) continue;
  const f = realName(d.file.fileName);
  const key = `${f}:${d.start}:${d.code}`;
  if (seen.has(key)) continue;
  seen.add(key);
  // The linter also returns the strict tsc diagnostics it re-runs; those for .ets were reported above already.
  const msg = ts.flattenDiagnosticMessageText(d.messageText, ' ');
  if (!/arkts-/.test(msg) && !twinOf.has(d.file.fileName)) continue;
  report('arkts', f, lineOf(d.file, d.start), msg);
}

// 4. resources
const stringKeys = (locale) => {
  const p = path.join(resourcesDir, locale, 'element/string.json');
  if (!fs.existsSync(p)) return null;
  return new Set(JSON.parse(fs.readFileSync(p, 'utf8')).string.map((s) => s.name));
};
const base = stringKeys('base');
const zh = stringKeys('zh_CN');
if (fs.existsSync(resourcesDir)) {
  if (!base || !zh) report('resources', resourcesDir, 0, 'base and zh_CN string.json are both required');
  else {
    for (const k of base) if (!zh.has(k)) report('resources', path.join(resourcesDir, 'zh_CN'), 0, `string "${k}" missing in zh_CN`);
    for (const k of zh) if (!base.has(k)) report('resources', path.join(resourcesDir, 'base'), 0, `string "${k}" missing in base`);
    for (const file of etsFiles) {
      const text = fs.readFileSync(file, 'utf8');
      for (const m of text.matchAll(/\$r\(\s*'app\.string\.([A-Za-z0-9_]+)'/g)) {
        if (!base.has(m[1])) report('resources', file, text.slice(0, m.index).split('\n').length, `unknown string resource app.string.${m[1]}`);
      }
    }
  }
}

const quiet = args.includes('--quiet');
for (const f of findings) if (!quiet) console.error(`${f.file}:${f.line}: [${f.kind}] ${f.message}`);
const byKind = {};
for (const f of findings) byKind[f.kind] = (byKind[f.kind] ?? 0) + 1;
console.log(
  `check-ets: ${etsFiles.length} .ets, ${facadeFiles.length} facade .ts, ${declFiles.length} declaration files; ` +
    (findings.length === 0 ? 'parse, types, ArkTS linter and resources: 0 findings' : `${findings.length} finding(s) ${JSON.stringify(byKind)}`),
);
process.exit(findings.length === 0 ? 0 : 1);
