/** The persisted session (`session` in the storage kv): enough to resume offline after a restart. */
import type { StorageAdapter } from '@concord/storage-adapters';
import type { SessionInfo } from '../http/api.js';
import { isId, type DeviceId, type UserId } from '@concord/protocol';

const SESSION_KEY = 'session';

export async function loadSession(storage: StorageAdapter): Promise<SessionInfo | null | 'corrupt'> {
  const bytes = await storage.getKv(SESSION_KEY);
  if (bytes === undefined) return null;
  try {
    const v = JSON.parse(new TextDecoder().decode(bytes)) as Record<string, unknown>;
    if (isId(v['userId']) && isId(v['deviceId']) && typeof v['token'] === 'string') {
      return { userId: v['userId'] as UserId, deviceId: v['deviceId'] as DeviceId, token: v['token'] };
    }
  } catch {
    // fall through
  }
  return 'corrupt';
}

export async function saveSession(storage: StorageAdapter, s: SessionInfo): Promise<void> {
  const json = JSON.stringify({ userId: s.userId, deviceId: s.deviceId, token: s.token });
  await storage.setKv(SESSION_KEY, new TextEncoder().encode(json));
  await storage.flush();
}

/** Forget the session and everything synced under it (the next account on this device starts clean). */
export async function wipeLocalData(storage: StorageAdapter): Promise<void> {
  for (const doc of await storage.listDocs()) await storage.deleteDoc(doc);
  for (const key of await storage.listKv()) await storage.deleteKv(key);
  await storage.flush();
}
