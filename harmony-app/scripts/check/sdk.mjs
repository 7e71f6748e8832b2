/*
 * The vendored OpenHarmony SDK (HAPP-SDK-1): where it is, its ets options, its API level, and the compiler options
 * that check the app against it the way DevEco's ets-loader does.
 */
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const appDir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
export const SDK_DIR = path.join(appDir, 'third_party/openharmony-sdk-5.0.0');
/**
 * Hand-written declarations, only for what the SDK does not declare (each file says why). They are program roots
 * beside the SDK and never stand in for an SDK module: a module name the SDK declares is refused (sdkOverrides).
 */
export const EXTRA_TYPES_DIR = path.join(appDir, 'types/extra');

/** The ets compiler options of the vendored release, as ets-loader passes them (components, decorators...). */
export function etsOptions() {
  return JSON.parse(fs.readFileSync(path.join(SDK_DIR, 'ets-options.json'), 'utf8'));
}

/** The SDK's API level: the highest `@since` of @ohos.data.relationalStore (added to on every release). */
export function sdkApiLevel() {
  const text = fs.readFileSync(path.join(SDK_DIR, 'api/@ohos.data.relationalStore.d.ts'), 'utf8');
  return Math.max(...[...text.matchAll(/@since (\d+)/g)].map((m) => Number(m[1])));
}

/** Every ArkUI declaration an .ets file sees as a global (components, decorators, console, setTimeout...). */
export function componentDeclarations() {
  const dir = path.join(SDK_DIR, 'component');
  return fs.readdirSync(dir).filter((n) => n.endsWith('.d.ts')).sort().map((n) => path.join(dir, n));
}

/**
 * @param ts ohos-typescript
 * @param concord the `paths` entries for `@concord/*` (the workspace sources or the bundles DevEco sees)
 */
export function compilerOptions(ts, concord) {
  return {
    ets: etsOptions(),
    target: ts.ScriptTarget.ES2017,
    module: ts.ModuleKind.ESNext,
    moduleResolution: ts.ModuleResolutionKind.NodeJs,
    // ES2020 library, no DOM: the ArkTS runtime's globals come from component/ (zz_global.d.ts), as in DevEco.
    lib: ['lib.es2020.d.ts'],
    types: [],
    strict: true,
    noImplicitReturns: true,
    noEmit: true,
    experimentalDecorators: true,
    // The SDK's own files are not ours to fix (a few reference modules this release does not ship); errors in our
    // files that stem from them still show.
    skipLibCheck: true,
    baseUrl: SDK_DIR,
    paths: { '@ohos.*': ['api/@ohos.*'], '@kit.*': ['kits/@kit.*'], '@system.*': ['api/@system.*'], ...concord },
  };
}

/** `@concord/*` resolved to the workspace's TypeScript sources. */
export const SOURCES = {
  '@concord/client-core': [path.join(appDir, '../client-core/src/index.ts')],
  '@concord/storage-adapters': [path.join(appDir, '../storage-adapters/src/index.ts')],
  '@concord/storage-adapters/rdb': [path.join(appDir, '../storage-adapters/src/rdb/index.ts')],
  '@concord/runtime': [path.join(appDir, 'bundle-runtime/globals.ts')],
};

/**
 * `@concord/*` resolved as DevEco resolves the ohpm packages in libs/ (entry/oh-package.json5): each package's
 * `types` beside its `main` bundle. `@concord/storage-adapters` is the rdb bundle (its oh-package `main`).
 */
export const BUNDLES = {
  '@concord/client-core': [path.join(appDir, 'libs/client-core/index.d.ts')],
  '@concord/storage-adapters': [path.join(appDir, 'libs/storage-adapters/rdb/index.d.ts')],
  '@concord/storage-adapters/rdb': [path.join(appDir, 'libs/storage-adapters/rdb/index.d.ts')],
  '@concord/runtime': [path.join(appDir, 'libs/runtime/index.d.ts')],
};
