import { describe, expect, it } from 'vitest';
import { spawn } from 'node:child_process';
import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const script = join(process.cwd(), 'harmony-app/scripts/check-ets.mjs');

async function check(files: Record<string, string>, extra: string[] = []): Promise<{ code: number; out: string }> {
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
    const child = spawn(process.execPath, [script, '--root', join(dir, 'ets'), '--facade', join(dir, 'ets/facade'), '--resources', res, ...extra]);
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

// Concurrent: each case is its own Node process running the whole checker.
describe.concurrent('scripts/check-ets.mjs', () => {
  it('passes a clean page', async () => {
    const r = await check({ 'ets/pages/Good.ets': GOOD });
    expect(r.out).toContain('0 findings');
    expect(r.code).toBe(0);
  });

  it('fails on a page with type, ArkTS, syntax and resource errors, naming each', async () => {
    const bad = `
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
    const r = await check({ 'ets/pages/Bad.ets': bad, 'ets/pages/Syntax.ets': '@Component\nstruct S { build() { Column() { Text(\'x\' } } }\n' });
    expect(r.code).toBe(1);
    expect(r.out).toMatch(/\[types\] TS2322/);
    expect(r.out).toMatch(/\[types\] TS2345/);
    expect(r.out).toMatch(/arkts-no-any-unknown/);
    expect(r.out).toMatch(/\[parse\]/);
    expect(r.out).toMatch(/unknown string resource app\.string\.missing/);
  });

  it('lints facade .ts files as ArkTS (object-literal types, destructuring)', async () => {
    const facade = `
export interface Point { x: number; y: number }
export function sum(p: { x: number; y: number }): number {
  const { x, y } = p;
  return x + y;
}
`;
    const r = await check({ 'ets/pages/Good.ets': GOOD, 'ets/facade/Bad.ts': facade });
    expect(r.code).toBe(1);
    expect(r.out).toMatch(/facade\/Bad\.ts:\d+: \[arkts\].*arkts-no-obj-literals-as-types/);
    expect(r.out).toMatch(/arkts-no-destruct-decls/);
  });
});
