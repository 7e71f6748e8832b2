/*
 * Random bytes on `@ohos.security.cryptoFramework`, for client-core's `random` seam and for lib0.
 * lib0's default webcrypto module reads the global `crypto` (reference §4), which the ArkTS runtime is not known
 * to provide; the bundle therefore aliases lib0/webcrypto to bundle-runtime/webcryptoShim.ts, which calls whatever installGlobalCrypto
 * put on globalThis at call time. yjs draws its client ids from it, so it must be cryptographically random.
 */
import type cryptoFramework from '@ohos.security.cryptoFramework';

export interface CryptoFrameworkModule {
  createRandom(): cryptoFramework.Random;
}

/** W3C getRandomValues refuses more than 65,536 bytes per call (QuotaExceededError); keep callers honest. */
export const MAX_RANDOM_BYTES = 65536;

type IntegerArray = Int8Array | Uint8Array | Uint8ClampedArray | Int16Array | Uint16Array | Int32Array | Uint32Array;

export class CryptoFrameworkRandom {
  private readonly random: cryptoFramework.Random;

  constructor(module: CryptoFrameworkModule) {
    // One generator for the app's lifetime: createRandom() seeds a DRBG, which is costly to repeat per call.
    this.random = module.createRandom();
  }

  /** client-core's RandomBytes: `length` fresh bytes. */
  bytes(length: number): Uint8Array {
    if (length === 0) return new Uint8Array(0);
    const data = this.random.generateRandomSync(length).data;
    if (data.length < length) throw new Error(`cryptoFramework returned ${data.length} of ${length} random bytes`);
    // The native blob may be larger or shared; hand out exactly `length` bytes the caller owns.
    return data.slice(0, length);
  }

  /** W3C `crypto.getRandomValues`: fills the integer array in place and returns it. */
  getRandomValues<T extends IntegerArray>(array: T): T {
    if (array.byteLength > MAX_RANDOM_BYTES) {
      throw new Error(`QuotaExceededError: ${array.byteLength} bytes requested, at most ${MAX_RANDOM_BYTES}`);
    }
    const bytes = this.bytes(array.byteLength);
    new Uint8Array(array.buffer, array.byteOffset, array.byteLength).set(bytes);
    return array;
  }
}

export interface CryptoLike {
  getRandomValues<T extends IntegerArray>(array: T): T;
}

interface GlobalWithCrypto {
  crypto?: CryptoLike;
}

/**
 * Puts a `crypto.getRandomValues` backed by cryptoFramework on the global object unless a working one is there.
 * Returns the object now in place. Call it first thing in EntryAbility.onCreate, before any Y.Doc is made.
 */
export function installGlobalCrypto(source: CryptoFrameworkRandom, target: object = globalThis): CryptoLike {
  const g = target as GlobalWithCrypto;
  if (g.crypto && typeof g.crypto.getRandomValues === 'function') return g.crypto;
  const shim: CryptoLike = { getRandomValues: (a) => source.getRandomValues(a) };
  Object.defineProperty(target, 'crypto', { value: shim, configurable: true, writable: true, enumerable: false });
  return shim;
}
