/*
 * client-core's attachment digest on `@ohos.security.cryptoFramework` (HAPP-ATTACH-2): `createMd('SHA256')` (API 9)
 * hashes natively; its Promise forms of `update`/`digest` run off the JS thread, so a 25 MiB attachment costs the
 * UI thread only the hand-over of each chunk, not the 28 s a pure-JS SHA-256 takes there without a JIT.
 * One Md per attachment (an Md cannot be reused after digest()).
 */
import type cryptoFramework from '@ohos.security.cryptoFramework';
import type { DigestFactory, IncrementalDigest } from '@concord/client-core';

export interface CryptoMdModule {
  createMd(algName: string): cryptoFramework.Md;
}

class MdDigest implements IncrementalDigest {
  private readonly md: cryptoFramework.Md;
  constructor(md: cryptoFramework.Md) {
    this.md = md;
  }
  update(bytes: Uint8Array): Promise<void> {
    return this.md.update({ data: bytes });
  }
  async digest(): Promise<Uint8Array> {
    return (await this.md.digest()).data;
  }
}

export function cryptoFrameworkSha256(module: CryptoMdModule): DigestFactory {
  return () => new MdDigest(module.createMd('SHA256'));
}
