/*
 * Stand-in for `@ohos.security.cryptoFramework`'s Random (API 9/10): createRandom() gives an object whose
 * generateRandomSync(len) returns {data: Uint8Array} of len bytes from a DRBG; len <= 0 is a parameter error (401).
 * Backed by node:crypto; counts calls so tests can prove the bytes really came from here.
 */
import { randomBytes } from 'node:crypto';
import type cryptoFramework from '@ohos.security.cryptoFramework';
import { businessError } from './nativeWebSocket';

export class StandinRandom implements cryptoFramework.Random {
  readonly algName = 'CTR_DRBG';
  calls = 0;
  bytesServed = 0;
  /** When set, the next outputs are taken from here (to check that callers use exactly these bytes). */
  scripted: number[] | null = null;

  generateRandomSync(len: number): cryptoFramework.DataBlob {
    if (!Number.isInteger(len) || len <= 0) throw businessError(401, 'Parameter error: len must be > 0');
    this.calls++;
    this.bytesServed += len;
    if (this.scripted) return { data: Uint8Array.from(this.scripted.splice(0, len)) };
    return { data: new Uint8Array(randomBytes(len)) };
  }

  generateRandom(len: number): Promise<cryptoFramework.DataBlob> {
    return Promise.resolve().then(() => this.generateRandomSync(len));
  }

  setSeed(): void {}
}

export class StandinCryptoFramework {
  readonly randoms: StandinRandom[] = [];
  createRandom(): StandinRandom {
    const r = new StandinRandom();
    this.randoms.push(r);
    return r;
  }
}
