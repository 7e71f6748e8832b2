/** Test devices: a Concord client with its own storage and network link, restartable on the same store. */
import { MemoryStorageAdapter, MemoryStore } from '@concord/storage-adapters/memory';
import { IndexedDbStorageAdapter } from '@concord/storage-adapters/indexeddb';
import { IDBFactory, IDBKeyRange } from 'fake-indexeddb';
import type { StorageAdapter } from '@concord/storage-adapters';
import { Concord } from '../../src/client/concord.js';
import type { ConcordOptions } from '../../src/client/options.js';
import type { FetchLike, SocketFactory } from '../../src/platform.js';
import { clientEvents, until } from './wait.js';

export interface Backend {
  readonly serverUrl: string;
  readonly fetch: FetchLike;
  /** A socket factory whose network the device can cut (or the real `ws` with a toggle). */
  socket(device: TestDevice): SocketFactory;
  offline(device: TestDevice): void;
  online(device: TestDevice): void;
  /** Stop the server (sockets close), then start it again on the same data and address. */
  restartServer(): Promise<void>;
}

export type StorageKind = 'memory' | 'indexeddb';

/** Storage that outlives one client, so `restart()` reopens the same data. */
export function storageFactory(kind: StorageKind): (d: TestDevice) => Promise<StorageAdapter> {
  if (kind === 'memory') return async (d) => new MemoryStorageAdapter({ store: d.store });
  const factory = new IDBFactory();
  return async (d) => new IndexedDbStorageAdapter({ name: `concord-${d.label}`, indexedDB: factory, IDBKeyRange });
}

export class TestDevice {
  client!: Concord;
  storage!: StorageAdapter;
  online = true;
  readonly store = new MemoryStore();
  /** Set by backends that can cut this device's network. */
  cut: (() => void) | null = null;

  constructor(
    readonly label: string,
    readonly backend: Backend,
    private readonly makeStorage: (d: TestDevice) => Promise<StorageAdapter> = storageFactory('memory'),
    private readonly extra: Partial<ConcordOptions> = {},
  ) {}

  async boot(): Promise<Concord> {
    this.storage = await this.makeStorage(this);
    this.client = new Concord({
      serverUrl: this.backend.serverUrl,
      openSocket: this.backend.socket(this),
      storage: this.storage,
      fetch: this.backend.fetch,
      backoff: { baseMs: 20, capMs: 200 },
      heartbeat: { intervalMs: 500, maxMissed: 2 },
      deviceName: `${this.label}'s test device`,
      ...this.extra,
    });
    return this.client;
  }

  /** Close the client and its storage, then boot a new client on the same data and restore the session. */
  async restart(): Promise<void> {
    await this.client.close();
    await this.storage.close();
    await this.boot();
    await this.client.restore();
  }

  async shutdown(): Promise<void> {
    await this.client.close();
    await this.storage.close();
  }

  async waitOnline(ms = 5000): Promise<void> {
    await until(`${this.label} online`, () => this.client.connection.state === 'online', [clientEvents(this.client)], ms);
  }
}
