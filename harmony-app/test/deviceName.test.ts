/* HAPP-DEVICE-1: the name an install gives itself, from @ohos.deviceInfo (the bare-runtime test sees it on the server). */
import { describe, expect, it } from 'vitest';
import { deviceNameOf, FALLBACK_DEVICE_NAME } from '../entry/src/main/ets/platform/deviceName';
import { StandinDeviceInfo } from './standins/deviceInfo';

describe('HAPP-DEVICE-1: the device is named after what it is', () => {
  it('HAPP-DEVICE-1 takes marketName, else brand and productModel, else a fixed name', () => {
    expect(deviceNameOf(new StandinDeviceInfo('HUAWEI Mate 60', 'ALN-AL00', 'HUAWEI'))).toBe('HUAWEI Mate 60');
    expect(deviceNameOf(new StandinDeviceInfo('', 'RK3568', 'Rockchip'))).toBe('Rockchip RK3568');
    expect(deviceNameOf(new StandinDeviceInfo('default', ' RK3568 ', ''))).toBe('RK3568');
    expect(deviceNameOf(new StandinDeviceInfo('', 'HUAWEI ALN-AL00', 'HUAWEI'))).toBe('HUAWEI ALN-AL00');
    expect(deviceNameOf(new StandinDeviceInfo('', '', 'OpenHarmony'))).toBe(FALLBACK_DEVICE_NAME);
  });
});
