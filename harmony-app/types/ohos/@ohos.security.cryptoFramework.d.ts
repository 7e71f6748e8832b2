/* @ohos.security.cryptoFramework (API 9+; subset). Reference §4 (the lib0 webcrypto shim). */
declare namespace cryptoFramework {
  interface DataBlob {
    data: Uint8Array;
  }
  interface Random {
    generateRandom(len: number): Promise<DataBlob>;
    /** (10) */
    generateRandomSync(len: number): DataBlob;
    setSeed(seed: DataBlob): void;
    readonly algName: string;
  }
  function createRandom(): Random;
  /** (9) A message digest; `update` in pieces, then `digest` (Promise forms run natively off the JS thread). */
  interface Md {
    update(input: DataBlob): Promise<void>;
    /** (12) */
    updateSync(input: DataBlob): void;
    digest(): Promise<DataBlob>;
    /** (12) */
    digestSync(): DataBlob;
    getMdLength(): number;
    readonly algName: string;
  }
  /** (9) `algName`: 'SHA1', 'SHA224', 'SHA256', 'SHA384', 'SHA512', 'MD5', 'SM3' (10). */
  function createMd(algName: string): Md;
}
export default cryptoFramework;
