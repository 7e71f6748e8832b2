/**
 * [SCHEMA-ROOTS-1] The table of doc roots in @concord/protocol (roots.ts) drives both sides: the server's trust rule
 * and VAL-3 take their roots, owners, value checks and immutability from it, and clients read entries through its
 * readers. A root is added by one declaration: here a `reactions` root is declared for the length of one test and is
 * at once writable by its owners on the server and read by clients; without the declaration the server refuses it
 * and clients read nothing from it.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import Database from 'better-sqlite3';
import * as Y from 'yjs';
import {
  CLIENT_ROOTS,
  SERVER_ROOTS,
  clientRoot,
  clientRootNames,
  messageIdAuthor,
  parseDocName,
  type ClientRoot,
  type DeviceId,
  type DocName,
  type UserId,
} from '@concord/protocol';
import type { AccessPolicy, AuthContext } from '../src/seams.js';
import { DEFAULT_RULES, protectedRoots, validateUpdate, type Verdict } from '../src/sync/validate.js';
import { createTrust, writableRoots, type Trust } from '../src/trust/index.js';

const CONV = 'conv:c1' as DocName;
const alice: AuthContext = { userId: 'alice' as UserId, deviceId: 'a1' as DeviceId };
const bob: AuthContext = { userId: 'bob' as UserId, deviceId: 'b1' as DeviceId };
/** A root no one declared (the real `reactions`, ACT-6, is in the table): the example this suite adds and removes. */
const REACTIONS = 'stickers';

/** A reaction: `<userId>.<messageId>` -> one emoji, by the user the key names. What a new root's entry looks like. */
const reactions: ClientRoot<string> = {
  kind: 'conv',
  name: REACTIONS,
  noun: 'reaction',
  owner: (key, w) => (messageIdAuthor(key) === w.userId ? null : 'TRUST-1: a reaction key starts with the user reacting'),
  problem: (_key, value) => (typeof value === 'string' && value.length <= 16 ? null : 'TRUST-5: a reaction is a short string'),
  stamp: () => undefined,
  immutable: false,
  read: (_key, value) => (typeof value === 'string' ? value : null),
};

/** The conv roots as a table a test may add to; the protocol declares it `as const` for its typed readers. */
const convRoots = CLIENT_ROOTS.conv as Record<string, ClientRoot<unknown>>;

const access: AccessPolicy = {
  canAccess: () => true,
  docsVisibleTo: () => [],
  usersWhoMaySee: () => [],
};

let trust: Trust;
let server: Y.Doc;

beforeEach(() => {
  trust = createTrust({ db: new Database(':memory:'), access, now: () => 0 });
  server = new Y.Doc();
});
afterEach(() => {
  delete convRoots[REACTIONS];
});

function react(auth: AuthContext, key: string, value: unknown): Verdict {
  const d = new Y.Doc();
  Y.applyUpdate(d, Y.encodeStateAsUpdate(server));
  const before = Y.encodeStateVector(d);
  d.getMap(REACTIONS).set(key, value);
  const bytes = Y.encodeStateAsUpdate(d, before);
  const parsed = parseDocName(CONV);
  if (parsed === null) throw new Error('bad doc');
  const verdict = validateUpdate({ auth, doc: CONV, parsed, ydoc: server, maxUpdateBytes: 1 << 20, connection: 1 }, bytes, [...DEFAULT_RULES, ...trust.rules], trust.admission);
  if (verdict.ok) Y.applyUpdate(server, bytes);
  return verdict;
}

describe('[SCHEMA-ROOTS-1] one table of doc roots', () => {
  it('[SCHEMA-ROOTS-1] the server writable and server-only roots are the table, and the two never share a root', () => {
    for (const kind of ['conv', 'user'] as const) {
      expect(writableRoots(kind)).toEqual(clientRootNames(kind));
      const parsed = parseDocName(kind === 'conv' ? 'conv:c1' : 'user:alice');
      if (parsed === null) throw new Error('bad doc');
      expect(protectedRoots(parsed)).toEqual(SERVER_ROOTS[kind]);
      expect(clientRootNames(kind).filter((r) => SERVER_ROOTS[kind].includes(r))).toEqual([]);
    }
    expect(clientRootNames('conv')).toEqual(['messages', 'edits', 'receipts', 'reactions']);
    expect(clientRootNames('user')).toEqual(['prefs', 'drafts', 'hidden']);
  });

  it('[SCHEMA-ROOTS-1] a root missing from the table is refused by the server and read as nothing by clients', () => {
    const v = react(alice, 'alice.m1', '👍');
    expect(v.ok).toBe(false);
    if (!v.ok) expect(v.message).toMatch(/^TRUST-5: clients may not write conv root "stickers"/);
    expect(clientRoot('conv', REACTIONS)).toBeNull();
    // Names that are properties of every object are no roots either.
    expect(clientRoot('conv', 'toString')).toBeNull();
    expect(clientRoot('user', '__proto__')).toBeNull();
  });

  it('[SCHEMA-ROOTS-1] one declaration makes a root writable by its owners, checked and read', () => {
    convRoots[REACTIONS] = reactions;
    expect(writableRoots('conv')).toContain(REACTIONS);
    expect(react(alice, 'alice.m1', '👍').ok).toBe(true);
    const notOwner = react(bob, 'alice.m2', '👎');
    expect(notOwner.ok).toBe(false);
    if (!notOwner.ok) expect(notOwner.message).toMatch(/^TRUST-1: a reaction key/);
    const badValue = react(bob, 'bob.m1', { emoji: '👍' });
    expect(badValue.ok).toBe(false);
    if (!badValue.ok) expect(badValue.message).toMatch(/^TRUST-5: a reaction is a short string/);
    // Not immutable: its owner changes it.
    expect(react(alice, 'alice.m1', '🎉').ok).toBe(true);
    // Clients read the stored entry with the root's reader.
    expect(clientRoot('conv', REACTIONS)?.read('alice.m1', server.getMap(REACTIONS).get('alice.m1'))).toBe('🎉');
  });
});
