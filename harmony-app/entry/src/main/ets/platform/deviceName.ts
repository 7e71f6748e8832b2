/*
 * The name this install gives itself in the account's devices list (HAPP-DEVICE-1): what `@ohos.deviceInfo` says
 * the product is, so two boards of one account can be told apart. marketName is what the product is sold as; boards
 * often leave it empty (or "default"), so the product model comes next, then a fixed word.
 */

/** The `@ohos.deviceInfo` constants used here (the app passes the module, tests a stand-in). */
export interface DeviceInfoModule {
  readonly marketName: string;
  readonly productModel: string;
  readonly brand: string;
}

export const FALLBACK_DEVICE_NAME = 'OpenHarmony device';

function usable(s: string | undefined): string {
  const t = (s ?? '').trim();
  return t.length === 0 || t.toLowerCase() === 'default' ? '' : t;
}

export function deviceNameOf(info: DeviceInfoModule): string {
  const market = usable(info.marketName);
  if (market.length > 0) return market;
  const model = usable(info.productModel);
  if (model.length === 0) return FALLBACK_DEVICE_NAME;
  const brand = usable(info.brand);
  // "Rockchip RK3568" reads better than "RK3568", unless the model already names the brand.
  return brand.length > 0 && !model.toLowerCase().startsWith(brand.toLowerCase()) ? `${brand} ${model}` : model;
}
