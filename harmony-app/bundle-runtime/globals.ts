/*
 * The WHATWG globals the client-core bundle (client-core, yjs, lib0: plain JS) calls at run time and the ArkTS runtime
 * is not known to provide (the API 12 SDK declares neither `crypto` nor TextEncoder/TextDecoder): installed from
 * the app's native modules, only where missing. This is JS, shipped as the ohpm package `@concord/runtime`
 * (libs/runtime, built by scripts/bundle.mjs) rather than app source: putting things on globalThis is what ArkTS
 * forbids, and what a polyfill library is for. The app hands in its cryptoFramework random source and `@ohos.util`
 * codec factories (platform/cryptoRandom.ts, platform/nativeModules.ts).
 */

export type IntegerArray = Int8Array | Uint8Array | Uint8ClampedArray | Int16Array | Uint16Array | Int32Array | Uint32Array;

/** W3C `crypto.getRandomValues`: fills the integer array in place and returns it. */
export interface RandomValuesSource {
  getRandomValues<T extends IntegerArray>(array: T): T;
}

/** The part of `util.TextEncoder` used (API 9 signature; a real encoder is one). */
export interface UtilEncoder {
  encodeInto(input?: string): Uint8Array;
}
/** The part of `util.TextDecoder` used (API 9 signature; a real decoder is one). */
export interface UtilDecoder {
  decodeWithStream(input: Uint8Array): string;
}
/** The fields of `util.TextDecoderOptions`. */
export interface DecoderOptions {
  fatal?: boolean;
  ignoreBOM?: boolean;
}
/** `@ohos.util`'s codec factories. */
export interface UtilModule {
  createEncoder(): UtilEncoder;
  createDecoder(encoding: string, options?: DecoderOptions): UtilDecoder;
}

interface GlobalWithCrypto {
  crypto?: RandomValuesSource;
}

/**
 * Puts a `crypto.getRandomValues` backed by `source` on the global object unless a working one is there. Returns the
 * object now in place. Call it before any Y.Doc is made (bootstrap does, first thing).
 */
export function installGlobalCrypto(source: RandomValuesSource, target: object = globalThis): RandomValuesSource {
  const g = target as GlobalWithCrypto;
  if (g.crypto && typeof g.crypto.getRandomValues === 'function') return g.crypto;
  const shim: RandomValuesSource = { getRandomValues: (a) => source.getRandomValues(a) };
  Object.defineProperty(target, 'crypto', { value: shim, configurable: true, writable: true, enumerable: false });
  return shim;
}

interface CodecGlobals {
  TextEncoder?: unknown;
  TextDecoder?: unknown;
}

/** Installs UTF-8 TextEncoder/TextDecoder on `@ohos.util`'s codecs where missing; true when it installed any. */
export function installTextCodecs(u: UtilModule, target: object = globalThis): boolean {
  const g = target as CodecGlobals;
  if (typeof g.TextEncoder === 'function' && typeof g.TextDecoder === 'function') return false;
  class OhosTextEncoder {
    readonly encoding = 'utf-8';
    private readonly inner = u.createEncoder();
    encode(input = ''): Uint8Array {
      return this.inner.encodeInto(input);
    }
  }
  class OhosTextDecoder {
    readonly encoding = 'utf-8';
    private readonly inner: UtilDecoder;
    constructor(label = 'utf-8', options?: DecoderOptions) {
      if (label.toLowerCase().replace('_', '-') !== 'utf-8' && label.toLowerCase() !== 'utf8') {
        throw new RangeError(`only utf-8 is supported, not ${label}`);
      }
      this.inner = u.createDecoder('utf-8', options);
    }
    decode(input?: ArrayBuffer | ArrayBufferView): string {
      if (input === undefined) return '';
      const bytes = input instanceof Uint8Array ? input : ArrayBuffer.isView(input) ? new Uint8Array(input.buffer, input.byteOffset, input.byteLength) : new Uint8Array(input);
      return this.inner.decodeWithStream(bytes);
    }
  }
  const define = (name: string, value: unknown) =>
    Object.defineProperty(target, name, { value, configurable: true, writable: true, enumerable: false });
  if (typeof g.TextEncoder !== 'function') define('TextEncoder', OhosTextEncoder);
  if (typeof g.TextDecoder !== 'function') define('TextDecoder', OhosTextDecoder);
  return true;
}
