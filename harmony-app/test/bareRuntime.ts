/*
 * Issue 14: the app's runtime module graph evaluated where only what OpenHarmony API 12 declares exists.
 *
 * EntryAbility.ets and everything it imports at runtime (bootstrap, the platform adapters, the facade, client-core
 * and the RDB adapter, with lib0/webcrypto aliased exactly as scripts/bundle.mjs does for the app) is bundled by
 * esbuild with every `@ohos.*` import left external, then evaluated in a fresh `vm` context. A vm context has the
 * ECMAScript built-ins and nothing else: no TextEncoder/TextDecoder, queueMicrotask, crypto, structuredClone,
 * fetch, WebSocket, URL, Buffer, process, require, DOM. The context gets only what the SDK's
 * `@internal/ets/global.d.ts` declares and the app uses: console, setTimeout/setInterval/clearTimeout/clearInterval
 * (returning numbers, as declared), and ArkUI's AppStorage (declared by the SDK's component declarations).
 *
 * The `@ohos.*` modules are the Node stand-ins (test/standins, the RDB stand-in on real SQLite), living in the test's
 * realm like native modules live outside the ArkTS VM. One concession to two realms: the context's typed-array and
 * ArrayBuffer constructors are the test realm's, because on a board there is one realm and native modules and app
 * code share them (`instanceof Uint8Array`/`ArrayBuffer` checks in the stand-ins would otherwise fail for reasons a
 * board does not have). That adds no missing global: they are ECMAScript built-ins the context already has.
 */
import vm from 'node:vm';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
// @ts-expect-error: a plain .mjs build script without declarations; bundleOptions/webcryptoAlias are what the app's bundle uses
import { bundleOptions } from '../scripts/bundle.mjs';

const appDir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
export const ENTRY_ABILITY = path.join(appDir, 'entry/src/main/ets/entryability/EntryAbility.ets');

/** Globals a Node/browser realm has and API 12 does not declare; the test asserts each is absent in the context. */
export const UNDECLARED_GLOBALS = [
  'TextEncoder',
  'TextDecoder',
  'queueMicrotask',
  'crypto',
  'structuredClone',
  'fetch',
  'WebSocket',
  'URL',
  'URLSearchParams',
  'AbortController',
  'Blob',
  'Event',
  'EventTarget',
  'window',
  'document',
  'navigator',
  'self',
  'Buffer',
  'process',
  'require',
  'global',
  'setImmediate',
  'performance',
  'atob',
  'btoa',
] as const;

const SHARED_BINARY = [
  'ArrayBuffer',
  'DataView',
  'Uint8Array',
  'Int8Array',
  'Uint8ClampedArray',
  'Uint16Array',
  'Int16Array',
  'Uint32Array',
  'Int32Array',
  'Float32Array',
  'Float64Array',
  'BigInt64Array',
  'BigUint64Array',
] as const;

let bundled: Promise<string> | null = null;

/** The CommonJS bundle of EntryAbility's runtime graph (built once per test file). */
export function entryAbilityBundle(): Promise<string> {
  bundled ??= build({
    ...bundleOptions(ENTRY_ABILITY),
    format: 'cjs',
    minify: false,
    loader: { '.ets': 'ts' },
    external: ['@ohos.*'],
    logLevel: 'error',
  }).then((r) => r.outputFiles![0]!.text);
  return bundled;
}

/** ArkUI's AppStorage, the part EntryAbility and the pages use. */
export class AppStorageStandin {
  private readonly values = new Map<string, object | string | number | boolean>();
  setOrCreate<T extends object | string | number | boolean>(key: string, value: T): void {
    this.values.set(key, value);
  }
  get<T>(key: string): T | undefined {
    return this.values.get(key) as T | undefined;
  }
}

/** Timers as API 12 declares them: numeric ids. */
function numericTimers(): Record<string, (...args: never[]) => unknown> {
  const live = new Map<number, NodeJS.Timeout>();
  let next = 1;
  const start = (repeat: boolean) => (handler: () => void, delay?: number) => {
    const id = next++;
    const t = repeat
      ? setInterval(handler, delay ?? 0)
      : setTimeout(() => {
          live.delete(id);
          handler();
        }, delay ?? 0);
    live.set(id, t);
    return id;
  };
  const stop = (id?: number) => {
    if (id === undefined) return;
    const t = live.get(id);
    if (t !== undefined) clearTimeout(t);
    live.delete(id);
  };
  return { setTimeout: start(false), setInterval: start(true), clearTimeout: stop, clearInterval: stop };
}

export interface BareRuntime {
  /** The context's global object (to assert what is and is not there, before and after boot). */
  global: Record<string, unknown>;
  appStorage: AppStorageStandin;
  /** EntryAbility's default export (a class extending the UIAbility stand-in). */
  EntryAbility: new () => { context: object };
}

/**
 * Evaluates the bundle in a fresh context. `natives` maps each `@ohos.*` module the graph imports to its stand-in;
 * `typeOnly` lists modules the .ets imports only for their types (esbuild keeps the import; a board resolves it
 * to the real module, here it is an empty namespace). Any other import throws, so a new native dependency cannot
 * slip past this test.
 */
export async function evaluateBare(natives: Record<string, object>, typeOnly: readonly string[]): Promise<BareRuntime> {
  const code = await entryAbilityBundle();
  const appStorage = new AppStorageStandin();
  const sandbox: Record<string, unknown> = { console, AppStorage: appStorage, ...numericTimers() };
  for (const name of SHARED_BINARY) sandbox[name] = globalThis[name];
  const ctx = vm.createContext(sandbox, { name: 'api12-bare' });
  const load = (id: string): object => {
    if (Object.prototype.hasOwnProperty.call(natives, id)) return natives[id]!;
    if (typeOnly.includes(id)) return {};
    throw new Error(`the app imports ${id}, which has no stand-in in the bare-runtime test`);
  };
  const mod = { exports: {} as Record<string, unknown> };
  const fn = vm.runInContext(`(function (require, module, exports) {\n${code}\n})`, ctx, { filename: 'EntryAbility.bundle.js' }) as (
    r: (id: string) => object,
    m: { exports: Record<string, unknown> },
    e: Record<string, unknown>,
  ) => void;
  fn(load, mod, mod.exports);
  return {
    global: vm.runInContext('globalThis', ctx) as Record<string, unknown>,
    appStorage,
    EntryAbility: mod.exports['default'] as new () => { context: object },
  };
}
