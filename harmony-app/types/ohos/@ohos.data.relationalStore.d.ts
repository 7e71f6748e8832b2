/* @ohos.data.relationalStore (API 9+; subset). The RdbStore shape is storage-adapters' (src/rdb/types.ts). */
import type { RdbStore as AdapterRdbStore } from '@concord/storage-adapters/rdb';
import type common from './@ohos.app.ability.common';

declare namespace relationalStore {
  enum SecurityLevel {
    S1 = 1,
    S2 = 2,
    S3 = 3,
    S4 = 4,
  }
  interface StoreConfig {
    name: string;
    securityLevel: SecurityLevel;
    encrypt?: boolean;
  }
  type RdbStore = AdapterRdbStore;
  function getRdbStore(context: common.Context, config: StoreConfig): Promise<RdbStore>;
  function deleteRdbStore(context: common.Context, name: string): Promise<void>;
}
export default relationalStore;
