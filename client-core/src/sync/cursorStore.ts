/** The device's sync cursor (`cursor` in the storage kv): only ever moves forward, written after the docs. */
import type { StorageAdapter } from '@concord/storage-adapters';

const CURSOR_KEY = 'cursor';

export class CursorStore {
  private current = 0;
  private writes: Promise<void> = Promise.resolve();

  constructor(
    private readonly storage: StorageAdapter,
    /** Resolves when the docs' updates received so far are durable. */
    private readonly docsDurable: () => Promise<void>,
  ) {}

  get value(): number {
    return this.current;
  }

  async load(): Promise<void> {
    const bytes = await this.storage.getKv(CURSOR_KEY);
    const n = bytes === undefined ? 0 : Number(new TextDecoder().decode(bytes));
    this.current = Number.isSafeInteger(n) && n >= 0 ? n : 0;
  }

  store(cursor: number): void {
    if (cursor <= this.current) return;
    this.current = cursor;
    const bytes = new TextEncoder().encode(String(cursor));
    // The docs' updates must be durable before the cursor that skips them next time.
    this.writes = this.writes
      .then(() => this.docsDurable())
      .then(() => this.storage.setKv(CURSOR_KEY, bytes))
      .catch(() => {
        // Losing a cursor write only means more docs are listed on the next connect.
      });
  }

  async flushed(): Promise<void> {
    await this.writes;
  }
}
