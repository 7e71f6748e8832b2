/**
 * The trust rules as one UpdateRule (SPEC TRUST-*): rate, membership, then every new struct and every deletion of
 * the update resolved against the server's copy (placement.ts), then client-id binding. It runs last, after the
 * sync side's structural and server-only-root checks, and only when everything passed does it bind new client ids
 * and remember the update as pending, so a refused update leaves no trace.
 *
 * Cost: proportional to the update (plus, for deletions, the server structs the deleted ranges cover), never to the
 * doc: lookups are binary searches in the server's struct store.
 */
import * as Y from 'yjs';
import {
  CloseCode,
  ErrorCode,
  parseBlobUrl,
  CONV_EDITS,
  CONV_MESSAGES,
  MAX_HLC_SKEW_MS,
  clientRoot,
  clientRootNames,
  isHlc,
  isRecallValue,
  isTooFarAhead,
  type ClientRoot,
  type DocKind,
} from '@concord/protocol';
import type { AccessPolicy, AuthContext } from '../seams.js';
import type { Admission, DecodedUpdate, Refusal, UpdateRule, ValidationContext } from '../sync/validate.js';
import type { ClientIdRegistry } from './clientIds.js';
import type { TrustLimits } from './limits.js';
import type { BlobRefRecorder } from './blobRefs.js';
import { Resolver, isPlacement, newStructsOf, overlayOf, rootNamesOf, type Placement, type Where } from './placement.js';
import type { TokenBuckets } from '../util/tokenBuckets.js';
import { entrySizeProblem, plainJsonProblem } from './values.js';
import { finalEntryProblem, recallWindowProblem } from './recall.js';

export interface TrustRuleDeps {
  readonly registry: ClientIdRegistry;
  readonly access: AccessPolicy;
  readonly limits: TrustLimits;
  readonly membership: MembershipCache;
  /** Wall-clock milliseconds (Date.now), for the HLC bound (HLC-2). */
  readonly wallNow: () => number;
  /** [BLOB-5] Where accepted messages' attachments are recorded. */
  readonly blobRefs?: BlobRefRecorder;
}

/** The blob a message value's attachment names (TRUST-15 checked its shape), or null. */
function attachmentBlob(value: unknown): { conversationId: string; blobId: string } | null {
  const a: unknown = typeof value === 'object' && value !== null ? (value as Record<string, unknown>)['attachment'] : undefined;
  const url: unknown = typeof a === 'object' && a !== null ? (a as Record<string, unknown>)['url'] : undefined;
  return typeof url === 'string' ? parseBlobUrl(url) : null;
}

/** [HLC-2] The stamp a value carries (its root declares which: message hlc, edit hlc, receipt rhlc) when too far ahead. */
function stampTooFarAhead(root: ClientRoot<unknown>, value: unknown, now: number): string | null {
  const stamp = root.stamp(value);
  if (!isHlc(stamp) || !isTooFarAhead(stamp, now)) return null;
  return `stamp ${stamp} is more than ${MAX_HLC_SKEW_MS / 60_000} minutes ahead of the server's clock`;
}

/**
 * [TRUST-13] Positive membership answers per doc copy, so that a chatty member costs one SQLite lookup per
 * `ttlMs`, not one per update. Membership changes reach the doc through a server write (the `meta` mirror), which
 * forgets the doc's answers (`forget` from beforeServerWrite); a change made behind the server's back takes effect
 * within `ttlMs`. A reload replaces the Y.Doc, which drops its answers too.
 */
export class MembershipCache {
  private readonly byDoc = new WeakMap<Y.Doc, Map<string, number>>();

  constructor(
    private readonly ttlMs: number,
    private readonly now: () => number,
  ) {}

  isMember(ydoc: Y.Doc, userId: string, check: () => boolean): boolean {
    const t = this.now();
    let users = this.byDoc.get(ydoc);
    const at = users?.get(userId);
    if (at !== undefined && t - at < this.ttlMs) return true;
    if (!check()) {
      users?.delete(userId);
      return false;
    }
    if (users === undefined) this.byDoc.set(ydoc, (users = new Map()));
    users.set(userId, t);
    return true;
  }

  forget(ydoc: Y.Doc): void {
    this.byDoc.delete(ydoc);
  }
}

function refuse(rule: string, message: string, code: ErrorCode = ErrorCode.InvalidUpdate): Refusal {
  return { code, message: `${rule}: ${message}` };
}

/**
 * [TRUST-5] The roots clients may write, per doc kind (SCHEMA-ROOTS-1's table); everything else (meta, convs,
 * unknown roots) is refused.
 */
export function writableRoots(kind: DocKind): readonly string[] {
  return clientRootNames(kind);
}

/** The root's declaration when this connection may write (or delete under) the placed key; a reason if not. */
function writableRoot(kind: DocKind, place: Placement, auth: AuthContext): { root: ClientRoot<unknown>; key: string } | { problem: string } {
  const root = clientRoot(kind, place.root);
  if (root === null) return { problem: `TRUST-5: clients may not write ${kind} root "${place.root}"` };
  const key = place.key;
  if (key === null) return { problem: `TRUST-5: only map entries may be written in "${place.root}"` };
  const problem = root.owner(key, auth);
  return problem === null ? { root, key } : { problem };
}

/** [TRUST-2] The refusal of a deletion under an immutable root, or null. */
function immutableProblem(kind: DocKind, place: Placement): Refusal | null {
  const root = clientRoot(kind, place.root);
  return root !== null && root.immutable ? refuse('TRUST-2', `${root.noun} entries are immutable`) : null;
}

function valueProblem(root: ClientRoot<unknown>, key: string, value: unknown, limits: TrustLimits, now: number): string | null {
  const json = plainJsonProblem(value);
  if (json !== null) return `TRUST-5: ${json}`;
  const size = entrySizeProblem(value);
  if (size !== null) return `TRUST-15: ${size}`;
  const ahead = stampTooFarAhead(root, value, now);
  if (ahead !== null) return `HLC-2: ${ahead}`;
  return root.problem(key, value, limits);
}

function unplaceable(w: Exclude<Where, Placement>): Refusal {
  switch (w) {
    case 'nested':
      return refuse('TRUST-5', 'nested shared types are not part of the schema');
    case 'right-origin':
      return refuse('TRUST-5', 'an item with a right origin is not a map entry');
    case 'gc':
      return refuse('TRUST-5', 'an item placed after collected content');
    case 'missing':
      return refuse('TRUST-12', 'the update depends on structs the server does not hold (send in causal order)');
  }
}

function contentValue(item: Y.Item): { ok: true; value: unknown } | { ok: false } {
  const c = item.content;
  if ((c instanceof Y.ContentAny || c instanceof Y.ContentJSON) && c.arr.length === 1) return { ok: true, value: c.arr[0] };
  return { ok: false };
}

/** [TRUST-10/11/16] What each refused update costs beyond its own token. */
export const REFUSAL_PENALTY = 10;

/** [TRUST-10/11/16] The rate gate, run before every other check of an update (Admission in sync/validate.ts). */
export function createAdmission(deps: {
  readonly connectionBuckets: TokenBuckets<number | string>;
  readonly userBuckets: TokenBuckets<string>;
}): Admission {
  return {
    admit(ctx: ValidationContext): Refusal | null {
      const byConn = deps.connectionBuckets.take(ctx.connection ?? ctx.auth.deviceId);
      const byUser = deps.userBuckets.take(ctx.auth.userId);
      if (byConn === 'ok' && byUser === 'ok') return null;
      const r = refuse('TRUST-10', `update rate over the limit (${byConn !== 'ok' ? 'connection' : 'user'})`, ErrorCode.RateLimited);
      return byConn === 'abusive' ? { ...r, message: 'TRUST-11: kept sending while over the rate limit; closing', close: CloseCode.RateLimited } : r;
    },
    refused(ctx: ValidationContext): void {
      deps.connectionBuckets.spend(ctx.connection ?? ctx.auth.deviceId, REFUSAL_PENALTY);
      deps.userBuckets.spend(ctx.auth.userId, REFUSAL_PENALTY);
    },
  };
}

export function createTrustRule(deps: TrustRuleDeps): UpdateRule {
  const { registry, access, limits } = deps;

  return (ctx: ValidationContext, update: DecodedUpdate): Refusal | null => {
    const { auth, parsed, ydoc } = ctx;

    // [TRUST-13] membership at write time, not only at subscription: a member removed since keeps no write access.
    if (parsed.kind === 'user' ? parsed.userId !== auth.userId : !deps.membership.isMember(ydoc, auth.userId, () => access.canAccess(auth.userId, ctx.doc))) {
      return refuse('TRUST-13', 'not a member of this doc any more', ErrorCode.Forbidden);
    }

    const overlay = overlayOf(ydoc);
    const fresh = newStructsOf(update, ydoc, overlay);
    if (fresh.gap !== null) return unplaceable('missing');
    const resolver = new Resolver(ydoc, overlay, fresh, rootNamesOf(ydoc));

    // [TRUST-6] client ids of new structs: bound to this user, or unbound and never used on this doc.
    const toBind: number[] = [];
    /** [BLOB-5] Blobs of this conversation that the update's messages refer to. */
    const refs: string[] = [];
    for (const client of fresh.byClient.keys()) {
      const owner = registry.owner(client);
      if (owner === null) {
        if (Y.getState(ydoc.store, client) > 0) return refuse('TRUST-6', `client id ${client} is in use and not bound to this user`);
        toBind.push(client);
      } else if (owner !== auth.userId) {
        return refuse('TRUST-6', `client id ${client} belongs to another identity`);
      }
    }

    // [TRUST-1..5, 7, 9] every new item lands in a writable root, under a key this connection owns, with a value of
    // the root's shape; the keys of immutable roots (`messages`) are new.
    const newKeys: { root: string; key: string }[] = [];
    const seenImmutableKeys = new Set<string>();
    const placements: { client: number; clock: number; end: number; where: Where }[] = [];
    /** [ACT-2] Messages this update recalls: checked against the window once every new key is known. */
    const recalls: string[] = [];
    for (const [client, structs] of fresh.byClient) {
      for (const s of structs) {
        if (s instanceof Y.GC) {
          placements.push({ client, clock: s.id.clock, end: s.id.clock + s.length, where: 'gc' });
          continue;
        }
        const where = resolver.where(s);
        if (!isPlacement(where)) return unplaceable(where);
        const writable = writableRoot(parsed.kind, where, auth);
        if ('problem' in writable) return { code: ErrorCode.InvalidUpdate, message: writable.problem };
        const { root, key } = writable;
        const final = finalEntryProblem(ydoc, root, key);
        if (final !== null) return { code: ErrorCode.InvalidUpdate, message: final };
        if (s.content instanceof Y.ContentDeleted) {
          // A deleted entry (e.g. an own receipt overwritten offline, sent in a SyncStep2): no value to check, but
          // it still lands under its key and deletes the entry before it, so immutable roots never take one.
          if (root.immutable) return refuse('TRUST-2', `${root.noun} entries are immutable`);
        } else {
          const v = contentValue(s);
          if (!v.ok) return refuse('TRUST-5', 'only single JSON values may be written');
          const p = valueProblem(root, key, v.value, limits, deps.wallNow());
          if (p !== null) return { code: ErrorCode.InvalidUpdate, message: p };
          if (where.root === CONV_EDITS && parsed.kind === 'conv' && isRecallValue(v.value)) recalls.push(key);
          if (where.root === CONV_MESSAGES && parsed.kind === 'conv') {
            const blob = attachmentBlob(v.value);
            if (blob !== null && blob.conversationId === parsed.conversationId) refs.push(blob.blobId);
          }
        }
        if (root.immutable) {
          // [TRUST-2] immutability: a key the server holds, has queued, or this update writes twice is refused.
          const held = ydoc.share.get(where.root);
          const seen = `${where.root}\u0000${key}`;
          if ((held !== undefined && held._map.has(key)) || overlay.keys.get(where.root)?.has(key) === true || seenImmutableKeys.has(seen)) {
            return refuse('TRUST-2', `${root.noun} ${key} already exists and is immutable`);
          }
          seenImmutableKeys.add(seen);
          newKeys.push({ root: where.root, key });
        }
        placements.push({ client, clock: s.id.clock, end: s.id.clock + s.length, where });
      }
    }

    const inThisUpdate = (rootName: string, key: string): boolean => seenImmutableKeys.has(`${rootName}\u0000${key}`);
    for (const key of recalls) {
      const p = recallWindowProblem(ydoc, key, deps.wallNow(), inThisUpdate, overlay);
      if (p !== null) return { code: ErrorCode.InvalidUpdate, message: p };
    }

    // [TRUST-2, TRUST-14] deletions: only of live entries this connection could write, created by this user's client
    // ids, never of messages. Already deleted structs are no-ops (an honest SyncStep2 carries the whole delete set).
    for (const [client, ranges] of update.ds.clients) {
      for (const r of ranges) {
        const end = r.clock + r.len;
        let from = r.clock;
        const serverState = Y.getState(ydoc.store, client);
        if (from < serverState) {
          const structs = ydoc.store.clients.get(client) ?? [];
          let ownerChecked = false;
          for (let i = Y.findIndexSS(structs, from); i < structs.length; i++) {
            const s = structs[i];
            if (s === undefined || s.id.clock >= end) break;
            if (!(s instanceof Y.Item) || s.deleted) continue;
            if (!ownerChecked) {
              // An id nobody is bound to yet holds stored structs only when its binding was lost (a server older than
              // bindings in the group commit crashed between the two): the entry's key, which deletionProblem checks
              // against the sender, is then the proof of ownership, so a device is never stuck behind its own old item.
              const owner = registry.owner(client);
              if (owner !== auth.userId && owner !== null) return refuse('TRUST-14', "deleting another user's content");
              ownerChecked = true;
            }
            const p = deletionProblem(resolver, s, parsed.kind, auth);
            if (p !== null) return p;
          }
          from = serverState;
        }
        if (from >= end) continue;
        // Beyond the server's copy: only this update's or this user's queued structs may be deleted; a delete of
        // clocks nobody holds would wait in Yjs's pending delete set and hit another user's future content.
        const known = Math.max(overlay.state(client), fresh.ends.get(client) ?? 0);
        if (known < end) return refuse('TRUST-14', 'deleting content the server does not hold');
        const owner = registry.owner(client);
        if (owner !== auth.userId && !toBind.includes(client)) return refuse('TRUST-14', "deleting another user's content");
        for (let clock = from; clock < end; ) {
          const w = resolver.whereId(client, clock);
          if (isPlacement(w)) {
            const immutable = immutableProblem(parsed.kind, w);
            if (immutable !== null) return immutable;
            const writable = writableRoot(parsed.kind, w, auth);
            if ('problem' in writable) return refuse('TRUST-14', writable.problem);
          }
          const next = nextClock(resolver, overlay, client, clock);
          clock = next > clock ? next : clock + 1;
        }
      }
    }

    // Accepted: bind, and remember what is queued until the hub applies it.
    for (const client of toBind) {
      if (registry.bind(client, auth.userId) !== auth.userId) return refuse('TRUST-6', `client id ${client} belongs to another identity`);
    }
    for (const p of placements) overlay.add(p.client, p.clock, p.end, p.where);
    for (const k of newKeys) overlay.addKey(k.root, k.key);
    if (parsed.kind === 'conv') for (const blobId of refs) deps.blobRefs?.note(parsed.conversationId, blobId);
    return null;
  };
}

function deletionProblem(resolver: Resolver, item: Y.Item, kind: DocKind, auth: AuthContext): Refusal | null {
  const w = resolver.known(item.id.client, item.id.clock);
  if (w === undefined || !isPlacement(w)) return refuse('TRUST-14', 'deleting content outside the writable maps');
  const immutable = immutableProblem(kind, w);
  if (immutable !== null) return immutable;
  const writable = writableRoot(kind, w, auth);
  if ('problem' in writable) return refuse('TRUST-14', writable.problem);
  // [ACT-2] A recall is final: its entry is never deleted (an overwrite deletes the entry it replaces).
  const v = contentValue(item);
  if (v.ok && writable.root.final?.(v.value) === true) return refuse('ACT-2', `message ${writable.key} was recalled; a recall is final`);
  return null;
}

/** The clock after the struct (new or pending) holding (client, clock). */
function nextClock(resolver: Resolver, overlay: ReturnType<typeof overlayOf>, client: number, clock: number): number {
  const s = resolver.newStruct(client, clock);
  if (s !== null) return s.id.clock + s.length;
  const e = overlay.find(client, clock);
  return e === null ? clock + 1 : e.end;
}
