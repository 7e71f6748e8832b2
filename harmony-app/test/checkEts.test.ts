import { beforeAll, describe, expect, it } from 'vitest';
import { spawn } from 'node:child_process';
import { mkdtempSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';

const script = join(process.cwd(), 'harmony-app/scripts/check-ets.mjs');
const fixtures = join(process.cwd(), 'harmony-app/test/fixtures');

/** A fixture directory (test/fixtures/<RULE>/<pass|fail>) as the files of an `ets/` root. */
function fixture(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  const walk = (d: string): void => {
    for (const n of readdirSync(d)) {
      const p = join(d, n);
      if (statSync(p).isDirectory()) walk(p);
      else out[join('ets', relative(join(fixtures, dir), p))] = readFileSync(p, 'utf8');
    }
  };
  walk(join(fixtures, dir));
  return out;
}

/** Runs the checker on `files` (an `ets/` tree) against the workspace sources only, unless `extra` says otherwise. */
async function check(files: Record<string, string>, extra: string[] = ['--concord', 'sources']): Promise<{ code: number; out: string }> {
  const dir = mkdtempSync(join(tmpdir(), 'check-ets-'));
  try {
    for (const [name, text] of Object.entries(files)) {
      mkdirSync(join(dir, name, '..'), { recursive: true });
      writeFileSync(join(dir, name), text);
    }
    const res = join(dir, 'resources');
    mkdirSync(join(res, 'base/element'), { recursive: true });
    mkdirSync(join(res, 'zh_CN/element'), { recursive: true });
    writeFileSync(join(res, 'base/element/string.json'), JSON.stringify({ string: [{ name: 'hello', value: 'Hello' }] }));
    writeFileSync(join(res, 'zh_CN/element/string.json'), JSON.stringify({ string: [{ name: 'hello', value: '你好' }] }));
    const child = spawn(process.execPath, [script, '--root', join(dir, 'ets'), '--resources', res, ...extra]);
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (out += d.toString()));
    const code = await new Promise<number>((resolve) => child.on('close', (c) => resolve(c ?? -1)));
    return { code, out };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const GOOD = `
@Entry
@Component
struct Good {
  @State count: number = 0;
  build() {
    Column({ space: 8 }) {
      Text($r('app.string.hello')).fontSize(20)
      Button('+1').onClick(() => { this.count = this.count + 1; })
    }.width('100%')
  }
}
`;

const BAD_PAGE = `
@Entry
@Component
struct Bad {
  @State count: number = 'oops';
  build() {
    Column() {
      Text($r('app.string.missing')).fontSize(true)
      Button('b').onClick(() => { let o: any = 1; let x = o; })
    }
  }
}
`;
const SYNTAX = "@Component\nstruct S { build() { Column() { Text('x' } } }\n";
const NOT_ARKTS = `
export interface Point { x: number; y: number }
export function sum(p: { x: number; y: number }): number {
  const { x, y } = p;
  return x + y;
}
`;
const WRONG_SDK = `
import fileIo from '@ohos.file.fs';
export function read(fd: number, buf: ArrayBuffer, o: fileIo.ReadOptions): number {
  return fileIo.readSync(fd, buf, o);
}
export const bytes: Uint8Array = new TextEncoder().encode('x');
`;

// Each run is a whole checker process (about 10 s of CPU on the full ArkUI declarations), so the cases share runs:
// every good input in one run that must report nothing, every bad one in one run that must name each finding.
describe('scripts/check-ets.mjs', () => {
  let good: { code: number; out: string };
  let bad: { code: number; out: string };
  beforeAll(async () => {
    good = await check({ 'ets/pages/Good.ets': GOOD, ...fixture('HAPP-SDK-4/pass'), ...fixture('HAPP-SDK-6/pass') });
    bad = await check({
      'ets/pages/Bad.ets': BAD_PAGE,
      'ets/pages/Syntax.ets': SYNTAX,
      'ets/facade/Bad.ts': NOT_ARKTS,
      'ets/platform/io.ts': WRONG_SDK,
      ...fixture('HAPP-SDK-4/fail'),
      ...fixture('HAPP-SDK-6/fail'),
    });
  }, 240_000);

  it('HAPP-SDK-2 passes a clean page, HAPP-SDK-4 and HAPP-SDK-6 their pass/ fixtures', () => {
    expect(good.out).toContain('0 findings');
    expect(good.code).toBe(0);
  });

  it('HAPP-SDK-2 fails on a page with type, ArkTS, syntax and resource errors, naming each', () => {
    expect(bad.code).toBe(1);
    expect(bad.out).toMatch(/Bad\.ets:5: \[types\].*TS2322/);
    expect(bad.out).toMatch(/Bad\.ets:8: \[types\].*TS2345/);
    expect(bad.out).toMatch(/Bad\.ets:9: \[arkts\].*arkts-no-any-unknown/);
    expect(bad.out).toMatch(/Syntax\.ets:\d+: \[parse\]/);
    expect(bad.out).toMatch(/unknown string resource app\.string\.missing/);
  });

  it('HAPP-SDK-2 lints every .ts file as ArkTS (object-literal types, destructuring)', () => {
    expect(bad.out).toMatch(/facade\/Bad\.ts:\d+: \[arkts\].*arkts-no-obj-literals-as-types/);
    expect(bad.out).toMatch(/facade\/Bad\.ts:\d+: \[arkts\].*arkts-no-destruct-decls/);
  });

  it('HAPP-SDK-2 checks platform .ts against the real SDK: an API it does not declare and a global it lacks are errors', () => {
    expect(bad.out).toMatch(/platform\/io\.ts:3: \[types\].*TS2694 Namespace 'fileIo' has no exported member 'ReadOptions'/);
    expect(bad.out).toMatch(/platform\/io\.ts:6: \[types\].*TS2304 Cannot find name 'TextEncoder'/);
  });

  it('HAPP-SDK-4 fails on plain struct fields that rendering reads and that are assigned later (fixture fail/)', () => {
    expect(bad.out).toMatch(/PlainField\.ets:6: \[ui-state\] HAPP-SDK-4 'label'/);
    expect(bad.out).toMatch(/PlainField\.ets:7: \[ui-state\] HAPP-SDK-4 'rows'/);
    // Read only in an event callback: not a rendering read.
    expect(bad.out).not.toMatch(/'clicks'/);
  });

  it('HAPP-SDK-6 fails on a notification request before loadContent completed, with its failure dropped (fixture fail/)', () => {
    expect(bad.out).toMatch(/EntryAbility\.ets:8: \[lifecycle\] HAPP-SDK-6 requestEnableNotification before windowStage\.loadContent/);
    expect(bad.out).toMatch(/EntryAbility\.ets:8: \[lifecycle\] HAPP-SDK-6 requestEnableNotification failure is not handled/);
    // In a .ts file too, where the failure is handled but the UI is not loaded yet.
    expect(bad.out).toMatch(/platform\/boot\.ts:7: \[lifecycle\] HAPP-SDK-6 requestEnableNotification before windowStage\.loadContent/);
    expect(bad.out).not.toMatch(/boot\.ts:\d+: \[lifecycle\] HAPP-SDK-6 requestEnableNotification failure/);
  });

  it('HAPP-SDK-3 checks the app a second time against the bundles and their generated .d.ts', async () => {
    // Concord is a class of the bundle's declarations: a number is not one (a missing or any-typed .d.ts would pass).
    const facade = `
import { Concord, MAX_ATTACHMENT_BYTES } from '@concord/client-core';
export const limit: number = MAX_ATTACHMENT_BYTES;
export const wrong: Concord | undefined = 1;
`;
    const r = await check({ 'ets/pages/Good.ets': GOOD, 'ets/facade/Uses.ts': facade }, ['--concord', 'bundles']);
    expect(r.code).toBe(1);
    expect(r.out).toMatch(/facade\/Uses\.ts:4: \[types\] \(bundles\) TS2322/);
    expect(r.out).not.toMatch(/TS2307|TS2305/);
  }, 120_000);
});
