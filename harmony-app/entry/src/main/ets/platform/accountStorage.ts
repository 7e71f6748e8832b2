/*
 * RDB storage with one database file per account (issue 8). client-core takes one StorageAdapter at construction,
 * before anyone has logged in, so the app gives it an AccountRoutedStorage: it routes every call to the RDB file of
 * the account that owns the session, and learns that account the moment client-core records the owner
 * (`setKv('owner', userId)` in Concord.begin, the one write made before any other on login/register). Until then it
 * behaves as an empty store, so client-core never sees another account's data and never wipes it: switching accounts
 * on one board keeps both accounts' chats, each in its own file. A tiny device database remembers which account was
 * last active, so a cold start resumes that account offline.
 */
import type { StorageAdapter, StoredDoc } from '@concord/storage-adapters';
import { RdbStorageAdapter, type RdbStore } from '@concord/storage-adapters/rdb';
import { DeviceSettingsStore } from './deviceSettings';
import type { TextCodec } from './textCodecs';

/** client-core's key for the account that owns the local data (client/concord.ts OWNER_KEY). */
export const OWNER_KEY = 'owner';
const CURRENT_ACCOUNT_KEY = 'currentAccount';
export const DEVICE_DB_NAME = 'concord_device.db';

/** RDB's `securityLevel` S1 (low): chats are not credentials; S2+ would block reads while the screen is locked. */
export const SECURITY_LEVEL_S1 = 1;

export class RdbStoreConfig {
  readonly name: string;
  readonly securityLevel: number;
  constructor(name: string, securityLevel: number) {
    this.name = name;
    this.securityLevel = securityLevel;
  }
}

/** The part of `relationalStore` used here; the app passes the real module, tests the stand-in. */
export interface RelationalStoreModule<C> {
  getRdbStore(context: C, config: RdbStoreConfig): Promise<RdbStore>;
}

/**
 * A file name for a user's database: readable prefix + FNV-1a hash of the exact id, so ids that differ only in
 * characters a file name cannot carry still get different files.
 */
export function dbNameForUser(userId: string): string {
  if (userId.length === 0) throw new Error('empty user id');
  let h = 0x811c9dc5;
  for (let i = 0; i < userId.length; i++) {
    h ^= userId.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  const safe = userId.replace(/[^A-Za-z0-9_-]/g, '_').slice(0, 40);
  return `concord_u_${safe}_${(h >>> 0).toString(16).padStart(8, '0')}.db`;
}

const EMPTY_DOC: StoredDoc = { snapshot: null, updates: [] };

export class AccountRoutedStorage<C> implements StorageAdapter {
  private current: StorageAdapter | null = null;
  private currentUser: string | null = null;
  private switching: Promise<void> = Promise.resolve();

  private readonly rdb: RelationalStoreModule<C>;
  private readonly context: C;
  private readonly device: StorageAdapter;
  /** UTF-8 for the account id kept in the device file (`@ohos.util`'s codecs on a device). */
  private readonly codec: TextCodec;

  private constructor(rdb: RelationalStoreModule<C>, context: C, device: StorageAdapter, codec: TextCodec) {
    this.rdb = rdb;
    this.context = context;
    this.device = device;
    this.codec = codec;
  }

  /** Opens the device database and, if an account was active, that account's database. */
  static async open<C>(rdb: RelationalStoreModule<C>, context: C, codec: TextCodec): Promise<AccountRoutedStorage<C>> {
    const device = await RdbStorageAdapter.open(await rdb.getRdbStore(context, new RdbStoreConfig(DEVICE_DB_NAME, SECURITY_LEVEL_S1)));
    const s = new AccountRoutedStorage(rdb, context, device, codec);
    const last = await device.getKv(CURRENT_ACCOUNT_KEY);
    if (last !== undefined) await s.bind(codec.decode(last));
    return s;
  }

  /** Per-install settings, in the device file (never in an account's file, so no logout or switch erases them). */
  settings(): DeviceSettingsStore {
    return new DeviceSettingsStore(this.device, this.codec);
  }

  /** The account whose file is in use, or null before the first login. */
  get account(): string | null {
    return this.currentUser;
  }

  private async bind(userId: string): Promise<void> {
    if (userId === this.currentUser) return;
    const next = await RdbStorageAdapter.open(await this.rdb.getRdbStore(this.context, new RdbStoreConfig(dbNameForUser(userId), SECURITY_LEVEL_S1)));
    const prev = this.current;
    this.current = next;
    this.currentUser = userId;
    await this.device.setKv(CURRENT_ACCOUNT_KEY, this.codec.encode(userId));
    if (prev !== null) await prev.close();
  }

  private target(): StorageAdapter | null {
    return this.current;
  }

  private writable(): StorageAdapter {
    if (this.current === null) throw new Error('no account bound: client-core wrote before recording its owner');
    return this.current;
  }

  async setKv(key: string, value: Uint8Array): Promise<void> {
    if (key === OWNER_KEY) {
      const userId = this.codec.decode(value);
      this.switching = this.switching.then(() => this.bind(userId));
      await this.switching;
    }
    await this.switching;
    await this.writable().setKv(key, value);
  }

  async getKv(key: string): Promise<Uint8Array | undefined> {
    await this.switching;
    // client-core wipes the store when the recorded owner differs from the account logging in. Here every account
    // has its own file, so that wipe would only destroy the previous account's chats: report no owner, and let the
    // owner write that follows switch files instead.
    if (key === OWNER_KEY) return undefined;
    return this.target()?.getKv(key);
  }

  async appendUpdate(doc: string, update: Uint8Array): Promise<number> {
    await this.switching;
    return this.writable().appendUpdate(doc, update);
  }

  async loadDoc(doc: string): Promise<StoredDoc> {
    await this.switching;
    return this.target()?.loadDoc(doc) ?? EMPTY_DOC;
  }

  async compactDoc(doc: string, snapshot: Uint8Array, uptoSeq: number): Promise<void> {
    await this.switching;
    return this.writable().compactDoc(doc, snapshot, uptoSeq);
  }

  async listDocs(prefix?: string): Promise<string[]> {
    await this.switching;
    return (await this.target()?.listDocs(prefix)) ?? [];
  }

  async deleteDoc(doc: string): Promise<void> {
    await this.switching;
    await this.target()?.deleteDoc(doc);
  }

  async deleteKv(key: string): Promise<void> {
    await this.switching;
    await this.target()?.deleteKv(key);
  }

  async listKv(prefix?: string): Promise<string[]> {
    await this.switching;
    return (await this.target()?.listKv(prefix)) ?? [];
  }

  async flush(): Promise<void> {
    await this.switching;
    await this.target()?.flush();
  }

  async close(): Promise<void> {
    await this.switching;
    const cur = this.current;
    this.current = null;
    if (cur !== null) await cur.close();
    await this.device.close();
  }
}
