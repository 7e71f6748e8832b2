/*
 * Per-install settings as the facade uses them: the platform's DeviceSettings (the device RDB file) when there is
 * one, else memory (tools and benches run without a device file). Kept apart from ConcordApp so it stays small.
 */
import type { DeviceSettings } from './appPlatform';

export class AppSettings {
  private readonly store: DeviceSettings | null;
  private readonly flags = new Map<string, boolean>();
  private readonly texts = new Map<string, string>();

  constructor(store: DeviceSettings | null) {
    this.store = store;
  }

  async getFlag(key: string): Promise<boolean> {
    if (this.store === null) return this.flags.get(key) === true;
    return this.store.getFlag(key);
  }

  async setFlag(key: string, value: boolean): Promise<void> {
    if (this.store === null) this.flags.set(key, value);
    else await this.store.setFlag(key, value);
  }

  /** '' when never set. */
  async getText(key: string): Promise<string> {
    if (this.store === null) return this.texts.get(key) ?? '';
    return this.store.getText(key);
  }

  async setText(key: string, value: string): Promise<void> {
    if (this.store === null) this.texts.set(key, value);
    else await this.store.setText(key, value);
  }
}
