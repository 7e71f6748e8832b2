/*
 * Types and ArkTS lint (HAPP-SDK-2): one strict ohos-typescript program over every .ets and .ts file of the app
 * against the vendored SDK. The linter only looks at .ets files, so each .ts file is also linted through a virtual
 * .ets twin with the same text; its type diagnostics are reported once, from the .ts file itself.
 */
import fs from 'node:fs';
import path from 'node:path';
import { EXTRA_TYPES_DIR, compilerOptions, componentDeclarations } from './sdk.mjs';

const TWIN = '.arkts-twin.ets';
/** DevEco reports a call of a function whose SDK doc has @throws without try/catch as a warning, not an error. */
export const WARNING_CODES = new Set([28040]);

export function walk(dir, pred, out = []) {
  if (!fs.existsSync(dir)) return out;
  for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) walk(p, pred, out);
    else if (pred(e.name)) out.push(p);
  }
  return out.sort();
}

export const lineOf = (sf, pos) => (pos === undefined ? 0 : sf.getLineAndCharacterOfPosition(pos).line + 1);

/**
 * @param ts ohos-typescript
 * @param o {{ etsFiles: string[], tsFiles: string[], concord: object, pass: string, report: Function }}
 * @returns the program (for further checks on its source files)
 */
export function checkProgram(ts, { etsFiles, tsFiles, concord, pass, report }) {
  const options = compilerOptions(ts, concord);
  const twinOf = new Map(tsFiles.map((f) => [f.replace(/\.ts$/, TWIN), f]));
  const host = ts.createIncrementalCompilerHost(options);
  const origRead = host.readFile.bind(host);
  const origExists = host.fileExists.bind(host);
  host.readFile = (f) => (twinOf.has(f) ? origRead(twinOf.get(f)) : origRead(f));
  host.fileExists = (f) => twinOf.has(f) || origExists(f);
  const origGetSourceFile = host.getSourceFile.bind(host);
  host.getSourceFile = (f, lang, onError, shouldCreate) => {
    if (!twinOf.has(f)) return origGetSourceFile(f, lang, onError, shouldCreate);
    const text = origRead(twinOf.get(f));
    const sf = ts.createSourceFile(f, text, lang, true, ts.ScriptKind.ETS, options);
    sf.version = ts.sys.createHash ? ts.sys.createHash(text) : String(text.length);
    return sf;
  };
  const extra = walk(EXTRA_TYPES_DIR, (n) => n.endsWith('.d.ts'));
  const roots = [...componentDeclarations(), ...extra, ...etsFiles, ...tsFiles, ...twinOf.keys()];
  const builder = ts.createEmitAndSemanticDiagnosticsBuilderProgram(roots, options, host);
  const program = builder.getProgram();
  const ours = new Set([...etsFiles, ...tsFiles, ...twinOf.keys()].map((f) => path.resolve(f)));
  const isOurs = (sf) => sf && ours.has(path.resolve(sf.fileName));
  const realName = (f) => twinOf.get(f) ?? f;
  const emit = (kind, file, sf, d) => {
    const msg = `TS${d.code} ${ts.flattenDiagnosticMessageText(d.messageText, ' ')}`;
    report(WARNING_CODES.has(d.code) ? 'warning' : kind, file, lineOf(sf, d.start), `(${pass}) ${msg}`);
  };

  for (const d of [...program.getOptionsDiagnostics(), ...program.getGlobalDiagnostics()]) {
    report('types', '(program)', 0, `(${pass}) ${ts.flattenDiagnosticMessageText(d.messageText, ' ')}`);
  }
  for (const sf of program.getSourceFiles()) {
    if (!isOurs(sf) || twinOf.has(sf.fileName)) continue;
    for (const d of [...program.getSyntacticDiagnostics(sf), ...program.getSemanticDiagnostics(sf)]) emit('types', sf.fileName, sf, d);
  }
  // The hand-written declarations and the bundles' generated ones must be coherent (ohos-typescript is TS 4.9: a
  // newer syntax in a .d.ts would silently type the app's imports as any), or a check against them means nothing.
  const decls = new Set([...extra, ...Object.values(concord).flat()].map((f) => path.resolve(f)));
  for (const sf of program.getSourceFiles()) {
    if (!decls.has(path.resolve(sf.fileName)) || !sf.isDeclarationFile) continue;
    for (const d of [...program.getSyntacticDiagnostics(sf), ...program.getSemanticDiagnostics(sf)]) emit('decl', sf.fileName, sf, d);
  }

  const linted = ts.ArkTSLinter_1_1.runArkTSLinter(builder, undefined, undefined, '1.1');
  const seen = new Set();
  for (const d of linted) {
    if (!d.file || !isOurs(d.file)) continue;
    const f = realName(d.file.fileName);
    const key = `${f}:${d.start}:${d.code}`;
    if (seen.has(key)) continue;
    seen.add(key);
    // The linter also returns the strict tsc diagnostics it re-runs; those of .ets files were reported above.
    const msg = ts.flattenDiagnosticMessageText(d.messageText, ' ');
    if (!/arkts-/.test(msg) && !twinOf.has(d.file.fileName) && !WARNING_CODES.has(d.code)) continue;
    emit('arkts', f, d.file, d);
  }
  return program;
}
