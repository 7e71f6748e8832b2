/**
 * Checks a client update before it is stored or relayed (SPEC VAL-*). The update is decoded once; each rule sees
 * the decoded structs and delete set plus the server's copy of the doc (before the update), and refuses with a
 * code and a message naming the rule.
 *
 * Implemented here: the structural rules (the bytes decode as a Yjs v1 update, size limit) and the server-only
 * roots (`meta` of conv docs, `convs` of user docs). The ownership rules of the trust issue (authors, receipts,
 * client-id binding) plug in as further `UpdateRule`s through `SyncHubOptions.extraRules`.
 */
import * as Y from 'yjs';
import { ErrorCode, SERVER_ROOTS, type DocName, type ParsedDocName } from '@concord/protocol';
import type { AuthContext } from '../seams.js';
import { knownStructsRule } from './knownStructs.js';

export type DecodedUpdate = ReturnType<typeof Y.decodeUpdate>;

export interface ValidationContext {
  readonly auth: AuthContext;
  readonly doc: DocName;
  readonly parsed: ParsedDocName;
  /** The server's copy, without the update under test. Rules must not modify it. */
  readonly ydoc: Y.Doc;
  readonly maxUpdateBytes: number;
  /** The sending connection (Peer.id), for per-connection limits (TRUST-10); absent outside the hub. */
  readonly connection?: number;
}

export interface Refusal {
  readonly code: ErrorCode;
  readonly message: string;
  /** Close the connection with this code after the REJECT (gross abuse, TRUST-11); absent: it stays usable. */
  readonly close?: number;
}

/** One check; returns null to let the update through. Must not throw for any input (the caller catches anyway). */
export type UpdateRule = (ctx: ValidationContext, update: DecodedUpdate) => Refusal | null;

/**
 * [TRUST-16] The rate gate every update passes before any other check, refused ones included: a refusal costs the
 * sender `refused`'s penalty on top, so a flood of malformed or forbidden updates reaches the 4429 close faster than
 * a flood of honest ones (and cannot outrun the limit by being refused early).
 */
export interface Admission {
  admit(ctx: ValidationContext): Refusal | null;
  refused(ctx: ValidationContext): void;
}

export type Verdict =
  | { readonly ok: true; readonly update: DecodedUpdate }
  | { readonly ok: false; readonly code: ErrorCode; readonly message: string; readonly close?: number };

/** [VAL-3] Roots only the server writes, per doc kind: declared with the client-writable ones (SCHEMA-ROOTS-1). */
export function protectedRoots(parsed: ParsedDocName): readonly string[] {
  return SERVER_ROOTS[parsed.kind];
}

export function validateUpdate(ctx: ValidationContext, bytes: Uint8Array, rules: readonly UpdateRule[], admission?: Admission): Verdict {
  const admitted = admission?.admit(ctx) ?? null;
  if (admitted !== null) return { ok: false, ...admitted };
  const verdict = checkUpdate(ctx, bytes, rules);
  if (!verdict.ok) admission?.refused(ctx);
  return verdict;
}

function checkUpdate(ctx: ValidationContext, bytes: Uint8Array, rules: readonly UpdateRule[]): Verdict {
  // [VAL-1] size before any decoding work.
  if (bytes.byteLength > ctx.maxUpdateBytes) {
    return { ok: false, code: ErrorCode.TooBig, message: `VAL-1: update of ${bytes.byteLength} bytes exceeds ${ctx.maxUpdateBytes}` };
  }
  let update: DecodedUpdate;
  try {
    update = Y.decodeUpdate(bytes);
  } catch (err) {
    return { ok: false, code: ErrorCode.InvalidUpdate, message: `VAL-2: not a Yjs update (${(err as Error).message})` };
  }
  for (const rule of rules) {
    let refusal: Refusal | null;
    try {
      refusal = rule(ctx, update);
    } catch (err) {
      // A rule that cannot make sense of the update refuses it: unknown is never let through.
      refusal = { code: ErrorCode.InvalidUpdate, message: `VAL-2: update could not be checked (${(err as Error).message})` };
    }
    if (refusal !== null) return { ok: false, ...refusal };
  }
  return { ok: true, update };
}

/** [VAL-2] Every struct decodes into a known kind with a sane length; the delete set has sane ranges. */
export const structuralRule: UpdateRule = (_ctx, update) => {
  for (const s of update.structs) {
    if (!(s instanceof Y.Item || s instanceof Y.GC || s instanceof Y.Skip)) {
      return { code: ErrorCode.InvalidUpdate, message: 'VAL-2: unknown struct' };
    }
    if (!(s.length > 0) || !Number.isSafeInteger(s.id.clock + s.length)) {
      return { code: ErrorCode.InvalidUpdate, message: 'VAL-2: struct with an invalid length' };
    }
    if (s instanceof Y.Item && s.parentSub !== null && s.parentSub.length > 10_000) {
      return { code: ErrorCode.InvalidUpdate, message: 'VAL-2: map key too long' };
    }
  }
  for (const ranges of update.ds.clients.values()) {
    for (const r of ranges) {
      if (!(r.len > 0) || !Number.isSafeInteger(r.clock + r.len)) {
        return { code: ErrorCode.InvalidUpdate, message: 'VAL-2: delete range with an invalid length' };
      }
    }
  }
  return null;
};

const MAX_PARENT_DEPTH = 64;

/**
 * [VAL-3] A client update may not insert into, overwrite in, or delete from a server-only root. What an item
 * belongs to is resolved from the update itself (root name, parent id, origins) or from the server's copy.
 * Items whose references the server does not hold yet (out-of-order updates) cannot be placed and pass here;
 * the trust issue's rules decide about those.
 */
export const protectedRootsRule: UpdateRule = (ctx, update) => {
  const roots = protectedRoots(ctx.parsed);
  // Y.AbstractType is generic over its event type; membership only needs identity.
  const protectedTypes = new Set<object>();
  for (const name of roots) {
    const t = ctx.ydoc.share.get(name);
    if (t !== undefined) protectedTypes.add(t);
  }
  const local = indexUpdateItems(update);
  const store = ctx.ydoc.store;

  const findStoreItem = (client: number, clock: number): Y.Item | null => {
    if (Y.getState(store, client) <= clock) return null;
    const structs = store.clients.get(client);
    if (structs === undefined) return null;
    const s = structs[Y.findIndexSS(structs, clock)];
    return s instanceof Y.Item ? s : null;
  };
  const storeRootIsProtected = (item: Y.Item): boolean => {
    let type: unknown = item.parent;
    for (let depth = 0; depth < MAX_PARENT_DEPTH; depth++) {
      if (!(type instanceof Y.AbstractType)) return false;
      if (type._item === null) return protectedTypes.has(type);
      type = type._item.parent;
    }
    return false;
  };
  // Returns the root name for items of the update, or whether a stored item's root is protected.
  const localIsProtected = (item: Y.Item, depth: number): boolean => {
    if (depth > MAX_PARENT_DEPTH) throw new Error('parent chain too deep');
    const parent: unknown = item.parent;
    if (typeof parent === 'string') return roots.includes(parent);
    const ref = parent instanceof Y.ID ? parent : (item.origin ?? item.rightOrigin);
    if (ref === null) return false;
    const inUpdate = local.find(ref.client, ref.clock);
    if (inUpdate !== null) return localIsProtected(inUpdate, depth + 1);
    const stored = findStoreItem(ref.client, ref.clock);
    if (stored === null) return false;
    // For a parent id the stored item holds the parent type, which lives where that item lives.
    return storeRootIsProtected(stored);
  };

  for (const s of update.structs) {
    if (s instanceof Y.Item && localIsProtected(s, 0)) {
      return { code: ErrorCode.InvalidUpdate, message: `VAL-3: writes to server-only ${roots.join('/')} are refused` };
    }
  }
  for (const [client, ranges] of update.ds.clients) {
    const structs = store.clients.get(client);
    for (const r of ranges) {
      const end = r.clock + r.len;
      for (const item of local.inRange(client, r.clock, end)) {
        if (localIsProtected(item, 0)) return refuseDelete(roots);
      }
      if (structs === undefined || Y.getState(store, client) <= r.clock) continue;
      for (let i = Y.findIndexSS(structs, r.clock); i < structs.length; i++) {
        const s = structs[i];
        if (s === undefined || s.id.clock >= end) break;
        if (s instanceof Y.Item && !s.deleted && storeRootIsProtected(s)) return refuseDelete(roots);
      }
    }
  }
  return null;
};

function refuseDelete(roots: readonly string[]): Refusal {
  return { code: ErrorCode.InvalidUpdate, message: `VAL-3: deletions in server-only ${roots.join('/')} are refused` };
}

interface LocalIndex {
  find(client: number, clock: number): Y.Item | null;
  inRange(client: number, from: number, to: number): Y.Item[];
}

function indexUpdateItems(update: DecodedUpdate): LocalIndex {
  // decodeUpdate yields each client's structs in clock order; a linear scan per lookup is fine for the small
  // updates a chat produces, and bounded by the update size for big ones.
  const byClient = new Map<number, Y.Item[]>();
  for (const s of update.structs) {
    if (!(s instanceof Y.Item)) continue;
    let list = byClient.get(s.id.client);
    if (list === undefined) byClient.set(s.id.client, (list = []));
    list.push(s);
  }
  return {
    find(client, clock) {
      for (const item of byClient.get(client) ?? []) {
        if (item.id.clock <= clock && clock < item.id.clock + item.length) return item;
      }
      return null;
    },
    inRange(client, from, to) {
      return (byClient.get(client) ?? []).filter((i) => i.id.clock < to && i.id.clock + i.length > from);
    },
  };
}

/** The rules every client update passes, in order. */
export const DEFAULT_RULES: readonly UpdateRule[] = [structuralRule, knownStructsRule, protectedRootsRule];

/** Client ids whose structs the update carries (what an ACK reports clocks for). */
export function updateClients(update: DecodedUpdate): number[] {
  const clients = new Set<number>();
  for (const s of update.structs) if (!(s instanceof Y.Skip)) clients.add(s.id.client);
  return [...clients];
}
