import { afterEach, describe, expect, it } from 'vitest';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { StandInRelationalStore } from '@concord/storage-adapters/rdb-standin';
import { RdbStorageAdapter } from '@concord/storage-adapters/rdb';
import {
  AccountRoutedStorage,
  DEVICE_DB_NAME,
  OWNER_KEY,
  dbNameForUser,
  type RelationalStoreModule,
} from '../entry/src/main/ets/platform/accountStorage';
import { Utf8Codec } from '../entry/src/main/ets/platform/textCodecs';
import { standinUtil } from './standins/util';
/** `@ohos.util`'s codecs (stand-in), as bootstrap.ts gives them to the adapters. */
const codec = new Utf8Codec(standinUtil);

const dirs: string[] = [];
function tempDir(): string {
  const d = mkdtempSync(join(tmpdir(), 'concord-rdb-'));
  dirs.push(d);
  return d;
}
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

const enc = (s: string) => new TextEncoder().encode(s);
const context = { filesDir: '/data/storage/el2/base/files' };

function rdbOf(dir: string): RelationalStoreModule<typeof context> {
  return new StandInRelationalStore(dir) as unknown as RelationalStoreModule<typeof context>;
}

describe('dbNameForUser', () => {
  it('gives each account its own .db file, even when ids differ only in unsafe characters', () => {
    expect(dbNameForUser('u_alice')).toMatch(/^concord_u_u_alice_[0-9a-f]{8}\.db$/);
    expect(dbNameForUser('a/b')).not.toBe(dbNameForUser('a:b'));
    expect(dbNameForUser('x')).toBe(dbNameForUser('x'));
    expect(() => dbNameForUser('')).toThrow();
  });
});

describe('AccountRoutedStorage on the RDB stand-in', () => {
  it('is an empty store until client-core records the owner, then writes to that account\'s file', async () => {
    const dir = tempDir();
    const s = await AccountRoutedStorage.open(rdbOf(dir), context, codec);
    expect(s.account).toBeNull();
    expect(await s.getKv('session')).toBeUndefined();
    expect(await s.listDocs()).toEqual([]);
    expect(await s.loadDoc('user:u1')).toEqual({ snapshot: null, updates: [] });
    await expect(s.appendUpdate('d', new Uint8Array([1]))).rejects.toThrow(/no account bound/);

    await s.setKv(OWNER_KEY, enc('alice'));
    await s.appendUpdate('user:alice', new Uint8Array([1, 2, 3]));
    await s.setKv('session', enc('tok-a'));
    expect(s.account).toBe('alice');
    await s.close();
    expect(readdirSync(dir)).toEqual(expect.arrayContaining([DEVICE_DB_NAME, dbNameForUser('alice')]));
  });

  it('switches files when another account logs in, keeps the first account intact, and resumes the last one', async () => {
    const dir = tempDir();
    const s = await AccountRoutedStorage.open(rdbOf(dir), context, codec);
    await s.setKv(OWNER_KEY, enc('alice'));
    await s.appendUpdate('conv:1', new Uint8Array([7]));
    // client-core asks for the owner before deciding to wipe: it must never see alice's while bob logs in.
    expect(await s.getKv(OWNER_KEY)).toBeUndefined();
    await s.setKv(OWNER_KEY, enc('bob'));
    expect(await s.listDocs()).toEqual([]);
    await s.appendUpdate('conv:2', new Uint8Array([8]));
    await s.close();

    const alice = await RdbStorageAdapter.open(await new StandInRelationalStore(dir).getRdbStore(context, { name: dbNameForUser('alice') }));
    expect(await alice.listDocs()).toEqual(['conv:1']);
    expect((await alice.loadDoc('conv:1')).updates.map((u) => [...u.data])).toEqual([[7]]);
    await alice.close();

    const again = await AccountRoutedStorage.open(rdbOf(dir), context, codec);
    expect(again.account).toBe('bob');
    expect(await again.listDocs()).toEqual(['conv:2']);
    await again.close();
  });

  it('keeps per-install settings in the device file: not in any account file, untouched by wiping an account', async () => {
    const dir = tempDir();
    const s = await AccountRoutedStorage.open(rdbOf(dir), context, codec);
    expect(await s.settings().getFlag('privacyAccepted')).toBe(false);
    await s.settings().setFlag('privacyAccepted', true);
    await s.setKv(OWNER_KEY, enc('alice'));
    // client-core's logout wipes every kv it can list: the account's, never the device's.
    for (const k of await s.listKv()) await s.deleteKv(k);
    expect(await s.listKv()).toEqual([]);
    expect(await s.settings().getFlag('privacyAccepted')).toBe(true);
    await s.close();

    const device = await RdbStorageAdapter.open(await new StandInRelationalStore(dir).getRdbStore(context, { name: DEVICE_DB_NAME }));
    expect(await device.listKv('setting:')).toEqual(['setting:privacyAccepted']);
    await device.close();
    const again = await AccountRoutedStorage.open(rdbOf(dir), context, codec);
    expect(await again.settings().getFlag('privacyAccepted')).toBe(true);
    await again.settings().setFlag('privacyAccepted', false);
    expect(await again.settings().getFlag('privacyAccepted')).toBe(false);
    await again.close();
  });
});
