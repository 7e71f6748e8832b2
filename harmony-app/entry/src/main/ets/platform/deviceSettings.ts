/*
 * Per-install settings (the privacy notice was accepted, ...) in the device RDB file that AccountRoutedStorage
 * already keeps beside the per-account files (`concord_device.db`, reference §1; its kv table through the RDB
 * adapter). That file is not an account's: logout and account switches leave it alone, and it goes with the app's
 * sandbox on uninstall, so a flag stored here is "once per install". Keys are prefixed so they never collide with
 * the routing keys AccountRoutedStorage keeps in the same table.
 */
import type { DeviceSettings } from '../facade/ConcordApp';

const PREFIX = 'setting:';
const ON = 1;

/** The part of a StorageAdapter a settings store needs (the device file's kv). */
export interface SettingsKv {
  getKv(key: string): Promise<Uint8Array | undefined>;
  setKv(key: string, value: Uint8Array): Promise<void>;
  flush(): Promise<void>;
}

export class DeviceSettingsStore implements DeviceSettings {
  private readonly kv: SettingsKv;
  constructor(kv: SettingsKv) {
    this.kv = kv;
  }

  async getFlag(key: string): Promise<boolean> {
    const v = await this.kv.getKv(PREFIX + key);
    return v !== undefined && v.length === 1 && v[0] === ON;
  }

  /** Durable when it resolves (the adapter writes through; flush for adapters that batch). */
  async setFlag(key: string, value: boolean): Promise<void> {
    await this.kv.setKv(PREFIX + key, new Uint8Array([value ? ON : 0]));
    await this.kv.flush();
  }
}
