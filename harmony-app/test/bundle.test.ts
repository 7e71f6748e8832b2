import { describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { build } from 'esbuild';
// @ts-expect-error: plain .mjs build script without declarations
import { bundleAll, bundleOptions } from '../scripts/bundle.mjs';

interface BundleResult {
  name: string;
  bytes: number;
  gzip: number;
  budget: number;
  code: Uint8Array;
}

const text = (u: Uint8Array) => new TextDecoder().decode(u);

/** Runs an ESM module in a fresh Node without global WebCrypto, as on ArkTS where no global crypto is known. */
function runWithoutCrypto(dir: string, main: string): string {
  const file = join(dir, 'main.mjs');
  writeFileSync(file, main);
  return execFileSync(process.execPath, ['--no-experimental-global-webcrypto', file], { encoding: 'utf8', cwd: dir });
}

async function bundleText(source: string, dir: string, alias: boolean): Promise<string> {
  // stdin with resolveDir inside the package, so yjs resolves from the workspace's node_modules.
  const { entryPoints: _ignored, ...opts } = bundleOptions('unused', { alias });
  const r = await build({ ...opts, stdin: { contents: source, resolveDir: join(process.cwd(), 'harmony-app'), loader: 'ts' } });
  void dir;
  return text(r.outputFiles![0]!.contents);
}

describe('client-core bundle for the app', () => {
  it('is one self-contained ESM file within its size budget (sizes printed)', async () => {
    const results = (await bundleAll({ write: false })) as BundleResult[];
    for (const r of results) {
      console.log(`[bundle] ${r.name}: ${r.bytes} B minified, ${r.gzip} B gzip, budget ${r.budget} B`);
      expect(r.bytes, `${r.name} over budget`).toBeLessThanOrEqual(r.budget);
      const code = text(r.code);
      // Nothing left for the app's module loader to find: no bare or node: imports.
      expect(code).not.toMatch(/\bimport\s*[^(;]*?from\s*["']/);
      expect(code).not.toMatch(/\brequire\(/);
    }
    const core = text(results[0]!.code);
    // yjs, lib0 and y-protocols are inside (identifying strings of each).
    expect(core).toContain('Unexpected content type'); // yjs
    expect(core).toMatch(/Unexpected end of array|Integer out of Range/); // lib0 decoding
    expect(core.length).toBeGreaterThan(50_000);
  });

  it('loads where there is no global crypto only thanks to the lib0/webcrypto alias, and yjs then draws from cryptoFramework', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'concord-bundle-'));
    try {
      const yjsProbe = `export { Doc } from 'yjs';\nexport { CryptoFrameworkRandom } from '${join(process.cwd(), 'harmony-app/entry/src/main/ets/platform/cryptoRandom.ts')}';\nexport { installGlobalCrypto } from '${join(process.cwd(), 'harmony-app/bundle-runtime/globals.ts')}';\n`;
      writeFileSync(join(dir, 'aliased.mjs'), await bundleText(yjsProbe, dir, true));
      writeFileSync(join(dir, 'plain.mjs'), await bundleText(yjsProbe, dir, false));
      const out = runWithoutCrypto(
        dir,
        `
        let plain = 'loaded';
        try { await import('./plain.mjs'); } catch (e) { plain = e.name; }
        const m = await import('./aliased.mjs');
        let before = 'ok';
        try { new m.Doc(); } catch (e) { before = 'threw'; }
        let calls = 0;
        const cf = { createRandom: () => ({ algName: 'x', setSeed() {}, generateRandom() {},
          generateRandomSync: (n) => { calls++; return { data: new Uint8Array(n).fill(0x2a) }; } }) };
        m.installGlobalCrypto(new m.CryptoFrameworkRandom(cf));
        const doc = new m.Doc();
        console.log(JSON.stringify({ hasCrypto: typeof globalThis.crypto, plain, before, calls, clientID: doc.clientID }));
        `,
      );
      const r = JSON.parse(out.trim().split('\n').pop()!);
      expect(r.plain).toBe('ReferenceError'); // lib0's own webcrypto.js at import, as expected on ArkTS
      expect(r.before).toBe('threw'); // no silent Math.random fallback for client ids
      expect(r.calls).toBeGreaterThan(0);
      expect(r.clientID).toBe(0x2a2a2a2a);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
