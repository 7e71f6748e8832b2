/**
 * userId -> name, for showing members: client-core's docs carry user ids only. Filled from the server through
 * client-core (Concord.memberDirectory, Concord.account) when reachable and kept in localStorage so names still
 * show after an offline reload.
 */

export interface MemberName {
  readonly userId: string;
  readonly username: string;
  readonly displayName: string;
}

/** A user as the server lists them, a blank display name replaced by the username: some name always shows. */
export function memberName(user: MemberName): MemberName {
  return { userId: user.userId, username: user.username, displayName: user.displayName !== '' ? user.displayName : user.username };
}

const KEY = 'concord.directory';

export class Directory {
  private readonly names = new Map<string, MemberName>();
  private readonly listeners = new Set<() => void>();

  constructor(private readonly store: Storage | null) {
    try {
      const raw = store?.getItem(KEY);
      const list = raw === null || raw === undefined ? [] : (JSON.parse(raw) as unknown);
      if (Array.isArray(list)) for (const m of list) if (isMember(m)) this.names.set(m.userId, m);
    } catch {
      // A corrupt cache only costs names until the next refresh.
    }
  }

  has(userId: string): boolean {
    return this.names.has(userId);
  }

  /** Display name, else username, else a short form of the id. */
  name(userId: string): string {
    const m = this.names.get(userId);
    if (m !== undefined) return m.displayName || m.username;
    return userId.length > 8 ? `${userId.slice(0, 8)}…` : userId;
  }

  username(userId: string): string | null {
    return this.names.get(userId)?.username ?? null;
  }

  add(members: readonly MemberName[]): void {
    let changed = false;
    for (const m of members) {
      const old = this.names.get(m.userId);
      if (old?.username === m.username && old.displayName === m.displayName) continue;
      this.names.set(m.userId, m);
      changed = true;
    }
    if (!changed) return;
    try {
      this.store?.setItem(KEY, JSON.stringify([...this.names.values()]));
    } catch {
      // Quota or private mode: names stay in memory.
    }
    for (const l of this.listeners) l();
  }

  clear(): void {
    this.names.clear();
    this.store?.removeItem(KEY);
    for (const l of this.listeners) l();
  }

  subscribe(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }
}

function isMember(v: unknown): v is MemberName {
  if (typeof v !== 'object' || v === null) return false;
  const m = v as Record<string, unknown>;
  return typeof m['userId'] === 'string' && typeof m['username'] === 'string' && typeof m['displayName'] === 'string';
}
