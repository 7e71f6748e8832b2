/*
 * Stand-in for `@ohos.security.cryptoFramework`'s Random (API 9/10): createRandom() gives an object whose
 * generateRandomSync(len) returns {data: Uint8Array} of len bytes from a DRBG; len <= 0 is a parameter error (401).
 * Backed by node:crypto; counts calls so tests can prove the bytes really came from here.
 * And its Md (API 9; the *Sync forms 12): createMd('SHA256' | ...) on node:crypto; an unknown algorithm is 401, as
 * is update/digest after digest (the native object is spent). The Promise forms settle on a later macrotask, as
 * the native worker's do; each Md records its update sizes so tests see the chunking.
 */
import { createHash, randomBytes, type Hash } from 'node:crypto';
import type cryptoFramework from '@ohos.security.cryptoFramework';
import type { CryptoFrameworkModule } from '../../entry/src/main/ets/platform/cryptoRandom';
import type { CryptoMdModule } from '../../entry/src/main/ets/platform/nativeDigest';
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

export class StandinCryptoFramework implements CryptoFrameworkModule {
  readonly randoms: StandinRandom[] = [];
  createRandom(): StandinRandom {
    const r = new StandinRandom();
    this.randoms.push(r);
    return r;
  }
}

const MD_ALGS: Record<string, string> = { SHA1: 'sha1', SHA224: 'sha224', SHA256: 'sha256', SHA384: 'sha384', SHA512: 'sha512', MD5: 'md5', SM3: 'sm3' };

export class StandinMd implements cryptoFramework.Md {
  readonly updates: number[] = [];
  private hash: Hash | null;
  constructor(readonly algName: string) {
    this.hash = createHash(MD_ALGS[algName] ?? 'sha256');
  }
  private live(): Hash {
    if (this.hash === null) throw businessError(401, 'Parameter error: the Md was already digested');
    return this.hash;
  }
  updateSync(input: cryptoFramework.DataBlob): void {
    this.live().update(input.data);
    this.updates.push(input.data.byteLength);
  }
  update(input: cryptoFramework.DataBlob): Promise<void> {
    return new Promise((resolve, reject) => setTimeout(() => {
      try {
        this.updateSync(input);
        resolve();
      } catch (e) {
        reject(e as Error);
      }
    }, 0));
  }
  digestSync(): cryptoFramework.DataBlob {
    const out = new Uint8Array(this.live().digest());
    this.hash = null;
    return { data: out };
  }
  digest(): Promise<cryptoFramework.DataBlob> {
    return new Promise((resolve, reject) => setTimeout(() => {
      try {
        resolve(this.digestSync());
      } catch (e) {
        reject(e as Error);
      }
    }, 0));
  }
  getMdLength(): number {
    return createHash(MD_ALGS[this.algName] ?? 'sha256').digest().byteLength;
  }
}

export class StandinCryptoMd implements CryptoMdModule {
  readonly mds: StandinMd[] = [];
  createMd(algName: string): StandinMd {
    if (!(algName in MD_ALGS)) throw businessError(401, `Parameter error: unknown md algorithm ${algName}`);
    const md = new StandinMd(algName);
    this.mds.push(md);
    return md;
  }
}
