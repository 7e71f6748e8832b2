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
}
export default cryptoFramework;
