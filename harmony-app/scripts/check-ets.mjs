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
// The .ts that pages call must be ArkTS-clean too: the facade, the pure logic and the page helpers.
// (platform/ is plain TS by design: it adapts native modules and is never imported by a page directly, except
// through the facade's types.)
const facadeDirs = args.includes('--facade')
  ? [arg('--facade', '')]
  : ['facade', 'logic', 'pages'].map((d) => path.join(appDir, 'entry/src/main/ets', d));
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
  paths: {
    '@ohos.*': ['@ohos.*'],
    '@kit.*': ['@kit.*'],
    // The app gets these as bundled ohpm packages (libs/); their types are the workspace sources.
    '@concord/client-core': ['../../../client-core/src/index.ts'],
    '@concord/storage-adapters': ['../../../storage-adapters/src/index.ts'],
    '@concord/storage-adapters/rdb': ['../../../storage-adapters/src/rdb/index.ts'],
  },
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
const facadeFiles = facadeDirs.flatMap((d) => walk(d, (n) => n.endsWith('.ts') && !n.endsWith('.d.ts')));
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

// 4. resources (and 5. the stage-model manifests that reference them)
if (!fs.existsSync(resourcesDir)) report('resources', resourcesDir, 0, 'resources directory missing');
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

// 5. module.json5 / app.json5: every $string:/$media:/$profile:/$color: reference resolves, and the permissions
// the app requests are exactly the ones it uses (HAPP-PRIV-1: a permission nothing uses is a promise the app does not
// keep; MICROPHONE went with the voice recorder that was never built).
function readJson5(file) {
  const src = fs.readFileSync(file, 'utf8');
  let out = '';
  let inStr = null;
  for (let i = 0; i < src.length; i++) {
    const c = src[i];
    if (inStr) {
      out += c;
      if (c === '\\') out += src[++i];
      else if (c === inStr) inStr = null;
    } else if (c === '"' || c === "'") {
      inStr = c;
      out += '"';
      if (c === "'") throw new Error(`${file}: single-quoted strings are not handled by this checker`);
    } else if (c === '/' && src[i + 1] === '/') {
      while (i < src.length && src[i] !== '\n') i++;
      out += '\n';
    } else if (c === '/' && src[i + 1] === '*') {
      i = src.indexOf('*/', i + 2) + 1;
    } else out += c;
  }
  return JSON.parse(out.replace(/,(\s*[}\]])/g, '$1'));
}
function resourceExists(resDir, kind, name) {
  if (kind === 'string' || kind === 'color') {
    const p = path.join(resDir, 'base/element', `${kind}.json`);
    return fs.existsSync(p) && JSON.parse(fs.readFileSync(p, 'utf8'))[kind].some((s) => s.name === name);
  }
  if (kind === 'media') return ['png', 'jpg', 'svg', 'webp'].some((e) => fs.existsSync(path.join(resDir, 'base/media', `${name}.${e}`)));
  if (kind === 'profile') return fs.existsSync(path.join(resDir, 'base/profile', `${name}.json`));
  return false;
}
function checkRefs(file, resDir, node) {
  if (typeof node === 'string') {
    const m = /^\$(string|media|profile|color):(\w+)$/.exec(node);
    if (m && !resourceExists(resDir, m[1], m[2])) report('manifest', file, 0, `unresolved ${node}`);
  } else if (node && typeof node === 'object') for (const v of Object.values(node)) checkRefs(file, resDir, v);
}
const moduleFile = path.join(resourcesDir, '..', 'module.json5');
const appFile = path.join(appDir, 'AppScope/app.json5');
if (fs.existsSync(moduleFile) && !args.includes('--root')) {
  try {
    const mod = readJson5(moduleFile).module;
    checkRefs(moduleFile, resourcesDir, mod);
    const perms = new Map((mod.requestPermissions ?? []).map((p) => [p.name, p]));
    const used = ['ohos.permission.INTERNET', 'ohos.permission.GET_NETWORK_INFO'];
    for (const need of used) {
      if (!perms.has(need)) report('manifest', moduleFile, 0, `permission ${need} not requested`);
    }
    for (const name of perms.keys()) {
      if (!used.includes(name)) report('manifest', moduleFile, 0, `permission ${name} requested but nothing in the app uses it`);
    }
    const pages = JSON.parse(fs.readFileSync(path.join(resourcesDir, 'base/profile/main_pages.json'), 'utf8')).src;
    for (const p of pages) if (!fs.existsSync(path.join(etsRoot, `${p}.ets`))) report('manifest', moduleFile, 0, `page ${p}.ets missing`);
    for (const a of mod.abilities ?? []) {
      if (!fs.existsSync(path.join(path.dirname(moduleFile), a.srcEntry))) report('manifest', moduleFile, 0, `srcEntry ${a.srcEntry} missing`);
    }
    checkRefs(appFile, path.join(appDir, 'AppScope/resources'), readJson5(appFile).app);
  } catch (e) {
    report('manifest', moduleFile, 0, `unreadable: ${e.message}`);
  }
}

const quiet = args.includes('--quiet');
for (const f of findings) if (!quiet) console.error(`${f.file}:${f.line}: [${f.kind}] ${f.message}`);
const byKind = {};
for (const f of findings) byKind[f.kind] = (byKind[f.kind] ?? 0) + 1;
console.log(
  `check-ets: ${etsFiles.length} .ets, ${facadeFiles.length} facade .ts, ${declFiles.length} declaration files; ` +
    (findings.length === 0 ? 'parse, types, ArkTS linter, resources and manifests: 0 findings' : `${findings.length} finding(s) ${JSON.stringify(byKind)}`),
);
process.exit(findings.length === 0 ? 0 : 1);
