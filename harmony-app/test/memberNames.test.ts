/*
 * HAPP-NAMES-1's directory on its own: titles, the server answer's names (display name, else username), the cache
 * in the account's storage (non-ASCII names survive the ASCII encoding; a damaged cache costs nothing but names), and
 * when a lookup is worth making. The end-to-end behaviour is in firstContact.e2e.test.ts.
 */
import { describe, expect, it } from 'vitest';
import type { FoundUser } from '@concord/client-core';
import { MemoryStorageAdapter } from '@concord/storage-adapters/memory';
import { MemberDirectory } from '../entry/src/main/ets/facade/memberNames';

const answer = (members: { userId: string; username: string; displayName: string }[]): Promise<readonly FoundUser[]> =>
  Promise.resolve(members.map((m) => ({ ...m, userId: m.userId as FoundUser['userId'] })));

describe('HAPP-NAMES-1: member names', () => {
  it('HAPP-NAMES-1 titles: a group by its title, others by the other members, unknown ids shortened', async () => {
    const d = new MemberDirectory(new MemoryStorageAdapter());
    await d.load();
    expect(d.titleOf({ kind: 'group', title: 'Trip', members: ['me', 'u1'] }, 'me')).toBe('Trip');
    expect(d.titleOf({ kind: 'direct', title: '', members: ['me', 'u1234567890'] }, 'me')).toBe('u1234567…');
    await d.refresh(() => answer([{ userId: 'u1234567890', username: 'bob', displayName: '' }, { userId: 'u2', username: 'carol', displayName: 'Carol' }]), ['u1234567890']);
    expect(d.titleOf({ kind: 'direct', title: '', members: ['me', 'u1234567890'] }, 'me')).toBe('bob');
    expect(d.titleOf({ kind: 'group', title: '', members: ['u2', 'me', 'u1234567890'] }, 'me')).toBe('Carol, bob');
    expect(d.titleOf({ kind: 'direct', title: '', members: ['me'] }, 'me')).toBe('');
  });

  it('HAPP-NAMES-1 keeps names in the account storage, Chinese and emoji included; a damaged cache is ignored', async () => {
    const storage = new MemoryStorageAdapter();
    const d = new MemberDirectory(storage);
    await d.load();
    expect(await d.refresh(() => answer([{ userId: 'u1', username: 'li', displayName: '李雷 🎉' }]), ['u1'])).toBe(true);
    const again = new MemberDirectory(storage);
    await again.load();
    expect(again.name('u1')).toBe('李雷 🎉');
    expect([...((await storage.getKv('app:names')) ?? [])].every((b) => b < 0x80)).toBe(true);
    await storage.setKv('app:names', new Uint8Array([0x7b, 0x22]));
    const damaged = new MemberDirectory(storage);
    await expect(damaged.load()).resolves.toBeUndefined();
    expect(damaged.name('u1')).toBe('');
  });

  it('HAPP-NAMES-1 asks once per unknown id until the link comes back, one request at a time', async () => {
    const d = new MemberDirectory(new MemoryStorageAdapter());
    await d.load();
    expect(d.needsLookup(['me', 'gone'], 'me')).toBe(true);
    let release: (users: readonly FoundUser[]) => void = () => undefined;
    const slow = new Promise<readonly FoundUser[]>((r) => (release = r));
    const first = d.refresh(() => slow, ['gone']);
    expect(await d.refresh(() => answer([]), ['gone'])).toBe(false); // one in flight already
    release([]);
    expect(await first).toBe(false);
    expect(d.needsLookup(['me', 'gone'], 'me')).toBe(false); // the server did not name it: not asked again
    d.retryUnnamed();
    expect(d.needsLookup(['me', 'gone'], 'me')).toBe(true);
  });
});
