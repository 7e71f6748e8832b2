/**
 * Client-id bindings are exactly as durable as the updates that rely on them (SPEC TRUST-6, issue 21 Medium 8), and a
 * device whose binding was lost anyway (by a server from before this rule) is not stuck behind its own old entries.
 * The real hub, doc store, trust rules and SQLite file, driven in process so a commit can be observed before the turn
 * ends (what a crash right after the commit would leave on disk).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import type Database from 'better-sqlite3';
import {
  parseDocName,
  type DeviceId,
  type DocName,
  type UserId,
  CONV_MESSAGES,
  CONV_RECEIPTS,
} from '@concord/protocol';
import { openDatabase } from '../src/db/open.js';
import { UserRepo } from '../src/db/users.js';
import { ConversationRepo } from '../src/db/conversations.js';
import { MembershipAccessPolicy } from '../src/auth/access.js';
import { DocCatalog, DocStore } from '../src/sync/docStore.js';
import { SyncHub } from '../src/sync/hub.js';
import { resolveLimits } from '../src/sync/limits.js';
import { createMetrics } from '../src/sync/metrics.js';
import { silentLogger } from '../src/log.js';
import { createTrust } from '../src/trust/index.js';
import { DEFAULT_RULES, validateUpdate } from '../src/sync/validate.js';
import type { Peer } from '../src/sync/peer.js';

const dirs: string[] = [];
const dbs: Database.Database[] = [];
afterEach(() => {
  for (const db of dbs.splice(0)) db.close();
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

const HLC = '0000000000001';

function setup(): { db: Database.Database; access: MembershipAccessPolicy } {
  const dir = mkdtempSync(join(tmpdir(), 'concord-bind-'));
  dirs.push(dir);
  const db = openDatabase(dir);
  dbs.push(db);
  const now = Date.now();
  for (const id of ['alice', 'bob']) {
    db.prepare('INSERT INTO users (id, username, display_name, password_hash, created_at) VALUES (?, ?, ?, ?, ?)').run(id, id, id, 'x', now);
  }
  db.prepare("INSERT INTO conversations (id, kind, title, created_by, created_at) VALUES ('c1', 'group', '', 'alice', ?)").run(now);
  for (const m of ['alice', 'bob']) {
    db.prepare("INSERT INTO conversation_members (conversation_id, user_id, role, joined_at) VALUES ('c1', ?, 'member', ?)").run(m, now);
  }
  return { db, access: new MembershipAccessPolicy(new UserRepo(db), new ConversationRepo(db), new DocCatalog(db)) };
}

function peer(userId: string, deviceId: string): Peer & { acks: number; rejects: string[] } {
  return {
    id: Math.floor(Math.random() * 1e9),
    kind: 'mux',
    auth: { userId: userId as UserId, deviceId: deviceId as DeviceId },
    acks: 0,
    rejects: [],
    send() {},
    sendAck() {
      this.acks++;
    },
    sendReject(_doc: DocName, _code: string, message: string) {
      this.rejects.push(message);
    },
    sendNotify() {},
    revokeDoc() {},
    close() {},
  };
}

function updateOf(doc: Y.Doc, f: (d: Y.Doc) => void): Uint8Array {
  const before = Y.encodeStateVector(doc);
  doc.transact(() => f(doc));
  return Y.encodeStateAsUpdate(doc, before);
}

function boundIds(db: Database.Database): number[] {
  return (db.prepare('SELECT client FROM client_ids ORDER BY client').all() as { client: number }[]).map((r) => r.client);
}

describe('client-id bindings', () => {
  it('[TRUST-6] a binding is in the same transaction as the first update that uses it: on disk when the commit is', () => {
    const { db, access } = setup();
    const trust = createTrust({ db, access });
    const hub = new SyncHub({
      store: new DocStore(db),
      access,
      limits: resolveLimits({}),
      metrics: createMetrics(),
      logger: silentLogger(),
      extraRules: trust.rules,
      admission: trust.admission,
      inCommit: () => trust.registry.flush(),
      beforeServerWrite: trust.beforeServerWrite,
    });
    const a = peer('alice', 'a1');
    const b = peer('bob', 'b1');
    hub.addPeer(a);
    hub.addPeer(b);
    const handle = hub.subscribe(a, 'conv:c1' as DocName);
    hub.subscribe(b, 'conv:c1' as DocName);
    // Alice's client id gets bound and stored first.
    const alice = new Y.Doc();
    hub.submit(a, handle, updateOf(alice, (d) => d.getMap(CONV_MESSAGES).set('alice.m1', { id: 'alice.m1', author: 'alice', hlc: HLC, type: 'text', body: 'one' })));
    hub.flush();
    // The gap the old order left: in one turn a known id's update schedules the commit, then a new id's binding.
    const bobDoc = new Y.Doc();
    hub.submit(a, handle, updateOf(alice, (d) => d.getMap(CONV_MESSAGES).set('alice.m2', { id: 'alice.m2', author: 'alice', hlc: HLC, type: 'text', body: 'two' })));
    hub.submit(b, handle, updateOf(bobDoc, (d) => d.getMap(CONV_MESSAGES).set('bob.m1', { id: 'bob.m1', author: 'bob', hlc: HLC, type: 'text', body: 'hi' })));
    // The group commit runs (here, before the turn's setImmediate): once it has, Bob's binding is on disk with his
    // message. A crash now keeps both.
    hub.flush();
    expect(b.acks).toBe(1);
    expect(boundIds(db)).toEqual([alice.clientID, bobDoc.clientID].sort((x, y) => x - y));
    hub.close();
  });

  it('[TRUST-14] [TRUST-6] a device whose binding was lost can still replace its own receipt; others still cannot touch it', () => {
    const { db, access } = setup();
    const server = new Y.Doc();
    const parsed = parseDocName('conv:c1');
    if (parsed === null) throw new Error('doc name');
    let trust = createTrust({ db, access });
    const submit = (user: string, device: string, bytes: Uint8Array) => {
      const v = validateUpdate(
        { auth: { userId: user as UserId, deviceId: device as DeviceId }, doc: 'conv:c1' as DocName, parsed, ydoc: server, maxUpdateBytes: 1 << 20, connection: 1 },
        bytes,
        [...DEFAULT_RULES, ...trust.rules],
        trust.admission,
      );
      if (v.ok) Y.applyUpdate(server, bytes);
      return v;
    };
    const device = new Y.Doc();
    expect(submit('alice', 'a1', updateOf(device, (d) => d.getMap(CONV_RECEIPTS).set('alice/a1', { rhlc: HLC }))).ok).toBe(true);
    trust.registry.flush();
    // The binding is lost (a crash of an older server between commit and binding), and the server restarts.
    db.prepare('DELETE FROM client_ids').run();
    trust = createTrust({ db, access });
    // The same device, still on the same client id... is told to move on for new structs (TRUST-6)...
    const sameId = submit('alice', 'a1', updateOf(device, (d) => d.getMap(CONV_RECEIPTS).set('alice/a1', { rhlc: '0000000000002' })));
    expect(sameId.ok).toBe(false);
    // ...and from its fresh client id it may replace the old receipt, whose unbound id only its own key vouches for.
    const fresh = new Y.Doc();
    Y.applyUpdate(fresh, Y.encodeStateAsUpdate(server));
    const again = submit('alice', 'a1', updateOf(fresh, (d) => d.getMap(CONV_RECEIPTS).set('alice/a1', { rhlc: '0000000000003' })));
    expect(again.ok).toBe(true);
    expect(server.getMap(CONV_RECEIPTS).get('alice/a1')).toEqual({ rhlc: '0000000000003' });
    // Bob may not delete Alice's receipt through the unbound id.
    const bob = new Y.Doc();
    Y.applyUpdate(bob, Y.encodeStateAsUpdate(server));
    const del = submit('bob', 'b1', updateOf(bob, (d) => d.getMap(CONV_RECEIPTS).delete('alice/a1')));
    expect(del.ok).toBe(false);
  });
});
