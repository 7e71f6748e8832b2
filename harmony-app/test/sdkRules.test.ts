/*
 * HAPP-SDK-1 (the vendored SDK stays as copied, hand-written declarations never redeclare it) and HAPP-SDK-5 (the
 * manifests declare the vendored SDK's API level), on the check's own functions over temporary trees.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
// @ts-expect-error: plain .mjs check scripts without declarations
import { checkVendoredSdk } from '../scripts/check/vendored.mjs';
// @ts-expect-error: plain .mjs check scripts without declarations
import { checkApiLevel } from '../scripts/check/manifests.mjs';
// @ts-expect-error: plain .mjs check scripts without declarations
import { sdkApiLevel } from '../scripts/check/sdk.mjs';

interface Finding {
  kind: string;
  file: string;
  message: string;
}

const dirs: string[] = [];
function tree(files: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), 'sdk-rules-'));
  dirs.push(dir);
  for (const [name, text] of Object.entries(files)) {
    mkdirSync(join(dir, name, '..'), { recursive: true });
    writeFileSync(join(dir, name), text);
  }
  return dir;
}
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});
const sha = (text: string) => createHash('sha256').update(text).digest('hex');
function collect(run: (report: (kind: string, file: string, line: number, message: string) => void) => void): Finding[] {
  const out: Finding[] = [];
  run((kind, file, _line, message) => out.push({ kind, file, message }));
  return out;
}

const BASE = 'declare namespace base { interface BusinessError { code: number } }\nexport default base;\n';

describe('HAPP-SDK-1 vendored SDK', () => {
  it('HAPP-SDK-1 the SDK in third_party is intact', () => {
    expect(collect((r) => checkVendoredSdk(r))).toEqual([]);
  });

  it('HAPP-SDK-1 reports an edited, a missing and an added SDK file', () => {
    const sdk = tree({ 'api/@ohos.base.d.ts': BASE + '// edited\n', 'api/extra.d.ts': 'export {};\n' });
    writeFileSync(join(sdk, 'FILES.txt'), `${sha(BASE)}  api/@ohos.base.d.ts\n${sha('x')}  api/@ohos.gone.d.ts\n`);
    const found = collect((r) => checkVendoredSdk(r, sdk, join(sdk, 'no-extra')));
    expect(found.map((f) => f.message)).toEqual([
      expect.stringContaining('differs from the SDK copy'),
      'listed in FILES.txt but missing',
      'not from the SDK (not in FILES.txt)',
    ]);
  });

  it('HAPP-SDK-1 refuses a hand-written declaration of a module the SDK declares, and one without its reason', () => {
    const sdk = tree({ 'api/@ohos.base.d.ts': BASE });
    writeFileSync(join(sdk, 'FILES.txt'), `${sha(BASE)}  api/@ohos.base.d.ts\n`);
    const extra = tree({
      'override.d.ts': "// why: none\ndeclare module '@ohos.base' { export const x: number; }\n",
      'bare.d.ts': 'declare const y: number;\n',
    });
    const found = collect((r) => checkVendoredSdk(r, sdk, extra));
    expect(found.map((f) => `${f.file.endsWith('bare.d.ts') ? 'bare' : 'override'}: ${f.message}`).sort()).toEqual([
      'bare: a hand-written declaration file starts with a comment saying why the SDK does not cover it',
      'override: redeclares @ohos.base, which the SDK declares',
    ]);
  });
});

describe('HAPP-SDK-5 API level', () => {
  const profile = (p: string) => `{\n  // comment\n  "app": { "products": [ { "name": "default", ${p} } ] }\n}\n`;

  it('HAPP-SDK-5 the vendored SDK is API 12 and the app declares 12 everywhere', () => {
    expect(sdkApiLevel()).toBe(12);
    expect(collect((r) => checkApiLevel({ appDir: join(process.cwd(), 'harmony-app'), level: 12, report: r }))).toEqual([]);
  });

  it('HAPP-SDK-5 reports a manifest or README level that differs from the SDK, or one not declared', () => {
    const app = tree({
      'build-profile.json5': profile('"compileSdkVersion": 12, "compatibleSdkVersion": 11'),
      'README.md': 'Minimum API level: 11\n',
    });
    const found = collect((r) => checkApiLevel({ appDir: app, level: 12, report: r }));
    expect(found.map((f) => f.message)).toEqual([
      'product default: compatibleSdkVersion is 11, the vendored SDK is API 12',
      'product default: targetSdkVersion is undefined, the vendored SDK is API 12',
      'README must say "Minimum API level: 12"',
    ]);
  });
});
