/*
 * Random bytes on `@ohos.security.cryptoFramework`, for client-core's `random` seam and for lib0.
 * lib0's default webcrypto module reads the global `crypto` (reference §4), which the ArkTS runtime is not known
 * to provide; the bundle therefore aliases lib0/webcrypto to bundle-runtime/webcryptoShim.ts, which calls whatever
 * installGlobalCrypto (`@concord/runtime`) put on globalThis at call time. yjs draws its client ids from it, so it must be cryptographically random.
 */
import type cryptoFramework from '@ohos.security.cryptoFramework';
import type { IntegerArray, RandomValuesSource } from '@concord/runtime';

export interface CryptoFrameworkModule {
  createRandom(): cryptoFramework.Random;
}

/** W3C getRandomValues refuses more than 65,536 bytes per call (QuotaExceededError); keep callers honest. */
export const MAX_RANDOM_BYTES = 65536;

/** Also the source of the global `crypto` that `@concord/runtime`'s installGlobalCrypto puts in place. */
export class CryptoFrameworkRandom implements RandomValuesSource {
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
