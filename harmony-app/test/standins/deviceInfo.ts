/* Stand-in for `@ohos.deviceInfo`'s name constants (brand, marketName, productModel: strings, possibly empty). */
import type { DeviceInfoModule } from '../../entry/src/main/ets/platform/deviceName';

export class StandinDeviceInfo implements DeviceInfoModule {
  constructor(
    readonly marketName: string,
    readonly productModel: string,
    readonly brand: string,
  ) {}
}
