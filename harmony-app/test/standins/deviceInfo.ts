/* Stand-in for `@ohos.deviceInfo`'s name constants (brand, marketName, productModel: strings, possibly empty). */
export class StandinDeviceInfo {
  constructor(
    readonly marketName: string,
    readonly productModel: string,
    readonly brand: string,
  ) {}
}
