/**
 * The trust layer (SPEC TRUST-*): what a client may write, checked per update against the server's copy, plus the
 * client-id binding, awareness and rate rules. `createTrust` builds the rules and hooks the sync hub plugs in
 * (`extraRules`, `awarenessRule`, `beforeServerWrite`); the sync service does so by default.
 */
import type Database from 'better-sqlite3';
import type * as Y from 'yjs';
import type { AccessPolicy } from '../seams.js';
import type { AwarenessRule } from '../sync/hub.js';
import type { Admission, UpdateRule } from '../sync/validate.js';
import { createAwarenessRule } from './awareness.js';
import { SERVER_IDENTITY, SqliteClientIdRegistry, type ClientIdRegistry } from './clientIds.js';
import { resolveTrustLimits, type TrustLimits } from './limits.js';
import { TokenBuckets } from '../util/tokenBuckets.js';
import { MembershipCache, createAdmission, createTrustRule } from './rules.js';
import { BlobRefRecorder } from './blobRefs.js';
import { SegmentGate } from './segments.js';
import { DocCatalog } from '../sync/docStore.js';

export { DEFAULT_TRUST_LIMITS, type TrustLimits } from './limits.js';
export { SERVER_IDENTITY, SqliteClientIdRegistry, type ClientIdRegistry } from './clientIds.js';
export { writableRoots } from './rules.js';

export interface TrustOptions {
  readonly db: Database.Database;
  readonly access: AccessPolicy;
  readonly limits?: Partial<TrustLimits>;
  /** Milliseconds, monotonic enough for token buckets; injected by tests. */
  readonly now?: () => number;
  /** Wall-clock milliseconds for the HLC bound (HLC-2); Date.now unless injected. */
  readonly wallNow?: () => number;
}

export interface Trust {
  readonly limits: TrustLimits;
  readonly registry: ClientIdRegistry;
  readonly rules: readonly UpdateRule[];
  /** [TRUST-16] The rate gate the hub runs before every other check. */
  readonly admission: Admission;
  /** [TRUST-6] [BLOB-5] Rows written inside each group commit: client-id bindings and blob references. */
  inCommit(): void;
  readonly awarenessRule: AwarenessRule;
  readonly beforeServerWrite: (ydoc: Y.Doc) => void;
  /** After each group commit: settles the segments accepted for it (SEG-3). */
  readonly afterFlush: () => void;
}

export function createTrust(opts: TrustOptions): Trust {
  const limits = resolveTrustLimits(opts.limits);
  const now = opts.now ?? (() => performance.now());
  const registry = new SqliteClientIdRegistry(opts.db);
  const membership = new MembershipCache(limits.membershipTtlMs, now);
  const blobRefs = new BlobRefRecorder(opts.db);
  const rule = createTrustRule({
    membership,
    registry,
    access: opts.access,
    limits,
    wallNow: opts.wallNow ?? Date.now,
    blobRefs,
  });
  const admission = createAdmission({
    connectionBuckets: new TokenBuckets(limits.connectionUpdatesPerSecond, limits.connectionUpdateBurst, limits.abuseDebt, now),
    userBuckets: new TokenBuckets(limits.userUpdatesPerSecond, limits.userUpdateBurst, limits.abuseDebt, now),
  });
  const awarenessRule = createAwarenessRule({
    registry,
    limits,
    buckets: new TokenBuckets(limits.awarenessPerSecond, limits.awarenessBurst, limits.abuseDebt, now),
  });
  // [SEG-3] the gap check before the trust rule (which leaves traces once it accepts); the turn's accepted segments
  // are remembered after it.
  const segments = new SegmentGate(new DocCatalog(opts.db));
  return {
    limits,
    registry,
    admission,
    inCommit(): void {
      registry.flush();
      blobRefs.flush();
    },
    rules: [segments.check, rule, segments.accepted],
    awarenessRule,
    afterFlush: () => segments.settle(),
    beforeServerWrite(ydoc: Y.Doc): void {
      // A server write may be a membership change (the `meta` mirror): re-ask the access policy afterwards.
      membership.forget(ydoc);
      // [TRUST-6] the server's writer binds its client id to SERVER_IDENTITY before its first struct exists. If the id
      // is somebody else's (a 32-bit collision, or a client that guessed it), the server's copy takes a new one, as
      // Yjs itself does on a detected clientID conflict.
      for (let attempt = 0; attempt < 16; attempt++) {
        if (registry.bind(ydoc.clientID, SERVER_IDENTITY) === SERVER_IDENTITY) return;
        ydoc.clientID = Math.floor(Math.random() * 0x1_0000_0000) >>> 0;
      }
      throw new Error('TRUST-6: could not bind a client id for a server write');
    },
  };
}
