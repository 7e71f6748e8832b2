/*
 * Per-install settings (the privacy notice was accepted, ...) in the device RDB file that AccountRoutedStorage
 * already keeps beside the per-account files (`concord_device.db`, reference §1; its kv table through the RDB
 * adapter). That file is not an account's: logout and account switches leave it alone, and it goes with the app's
 * sandbox on uninstall, so a flag stored here is "once per install". Keys are prefixed so they never collide with
 * the routing keys AccountRoutedStorage keeps in the same table.
 */
import type { DeviceSettings } from '../facade/appPlatform';
import type { TextCodec } from './textCodecs';

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
  /** UTF-8 for the text settings (`@ohos.util`'s codecs on a device: API 12 declares no TextEncoder/TextDecoder). */
  private readonly codec: TextCodec;
  constructor(kv: SettingsKv, codec: TextCodec) {
    this.kv = kv;
    this.codec = codec;
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

  /** A text setting (the server address), UTF-8; '' when never set. */
  async getText(key: string): Promise<string> {
    const v = await this.kv.getKv(PREFIX + key);
    return v === undefined ? '' : this.codec.decode(v);
  }

  async setText(key: string, value: string): Promise<void> {
    await this.kv.setKv(PREFIX + key, this.codec.encode(value));
    await this.kv.flush();
  }
}
