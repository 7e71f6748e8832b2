/**
 * Where the structs of an update land: for each item, the root map and key it will be integrated under, resolved
 * against the server's copy first, then against updates accepted but not yet applied (the hub applies a turn's
 * updates together, so a second update of one turn may build on the first), then against the update itself.
 *
 * Yjs encodes an item's parent and key only when it has neither a left nor a right origin; otherwise the receiver
 * copies them from the origin item at integration. So the key of a map overwrite is the key of its origin, and a
 * hostile client cannot claim one key while its origin puts the item under another: this module follows origins
 * exactly as Item.integrate will, and the server's copy wins over what the update says about ids the server holds.
 */
import * as Y from 'yjs';
import type { DecodedUpdate } from '../sync/validate.js';

export interface Placement {
  readonly root: string;
  /** null: an item in a root's list part (a Y.Array-style insert), never valid in Concord's flat maps. */
  readonly key: string | null;
}

/** Why an item cannot be placed; each is a refusal. */
export type Unplaceable = 'nested' | 'right-origin' | 'gc' | 'missing';

export type Where = Placement | Unplaceable;

export function isPlacement(w: Where): w is Placement {
  return typeof w === 'object';
}

interface PendingEntry {
  readonly clock: number;
  readonly end: number;
  readonly where: Where;
}

/**
 * What this connection's earlier updates of the current turn added, until the hub has applied them. Keyed by the
 * server's Y.Doc: a reload (after a failed apply or store) replaces the Y.Doc, which drops what was pending with it.
 */
export class PendingOverlay {
  readonly clients = new Map<number, PendingEntry[]>();
  /** New keys per root (the immutability check of `messages` must see keys that are queued but not applied). */
  readonly keys = new Map<string, Set<string>>();

  /** Forgets what the server's copy now holds. */
  prune(store: Y.Doc['store']): void {
    for (const [client, entries] of this.clients) {
      const last = entries[entries.length - 1];
      if (last === undefined || Y.getState(store, client) >= last.end) this.clients.delete(client);
    }
    if (this.clients.size === 0) this.keys.clear();
  }

  state(client: number): number {
    const entries = this.clients.get(client);
    const last = entries?.[entries.length - 1];
    return last === undefined ? 0 : last.end;
  }

  find(client: number, clock: number): PendingEntry | null {
    for (const e of this.clients.get(client) ?? []) if (e.clock <= clock && clock < e.end) return e;
    return null;
  }

  inRange(client: number, from: number, to: number): PendingEntry[] {
    return (this.clients.get(client) ?? []).filter((e) => e.clock < to && e.end > from);
  }

  add(client: number, clock: number, end: number, where: Where): void {
    let list = this.clients.get(client);
    if (list === undefined) this.clients.set(client, (list = []));
    list.push({ clock, end, where });
  }

  addKey(root: string, key: string): void {
    let set = this.keys.get(root);
    if (set === undefined) this.keys.set(root, (set = new Set()));
    set.add(key);
  }
}

const overlays = new WeakMap<Y.Doc, PendingOverlay>();

export function overlayOf(ydoc: Y.Doc): PendingOverlay {
  let o = overlays.get(ydoc);
  if (o === undefined) overlays.set(ydoc, (o = new PendingOverlay()));
  o.prune(ydoc.store);
  return o;
}

/** The struct of the server's copy holding (client, clock), or null. */
export function storedStruct(ydoc: Y.Doc, client: number, clock: number): Y.Item | Y.GC | null {
  if (Y.getState(ydoc.store, client) <= clock) return null;
  const structs = ydoc.store.clients.get(client);
  if (structs === undefined) return null;
  const s = structs[Y.findIndexSS(structs, clock)];
  return s instanceof Y.Item || s instanceof Y.GC ? s : null;
}

/** Placement of an integrated item of the server's copy. */
export function storedPlacement(item: Y.Item, rootNames: ReadonlyMap<unknown, string>): Where {
  const parent = item.parent;
  if (!(parent instanceof Y.AbstractType) || parent._item !== null) return 'nested';
  const root = rootNames.get(parent);
  if (root === undefined) return 'nested';
  return { root, key: item.parentSub };
}

export function rootNamesOf(ydoc: Y.Doc): Map<unknown, string> {
  const names = new Map<unknown, string>();
  for (const [name, type] of ydoc.share) names.set(type, name);
  return names;
}

/**
 * The part of an update the server does not hold yet. Structs the server (or the pending overlay) already holds
 * are no-ops for Yjs and are skipped: an honest SyncStep2 computed against a state vector that was current a moment
 * ago may carry other users' structs that reached the server in between.
 */
export interface NewStructs {
  /** Items and GCs with at least one clock the server does not hold, per client in clock order. */
  readonly byClient: Map<number, (Y.Item | Y.GC)[]>;
  /** The clock after this update's newest struct, per client with new structs. */
  readonly ends: Map<number, number>;
  /** A client whose structs start beyond what is known (a gap Yjs would hold as pending), or null. */
  readonly gap: number | null;
}

export function newStructsOf(update: DecodedUpdate, ydoc: Y.Doc, overlay: PendingOverlay): NewStructs {
  const grouped = new Map<number, (Y.Item | Y.GC)[]>();
  for (const s of update.structs) {
    if (s instanceof Y.Skip) continue;
    if (!(s instanceof Y.Item || s instanceof Y.GC)) continue;
    let list = grouped.get(s.id.client);
    if (list === undefined) grouped.set(s.id.client, (list = []));
    list.push(s);
  }
  const byClient = new Map<number, (Y.Item | Y.GC)[]>();
  const ends = new Map<number, number>();
  for (const [client, list] of grouped) {
    list.sort((a, b) => a.id.clock - b.id.clock);
    let known = Math.max(Y.getState(ydoc.store, client), overlay.state(client));
    const fresh: (Y.Item | Y.GC)[] = [];
    for (const s of list) {
      if (s.id.clock > known) return { byClient, ends, gap: client };
      const end = s.id.clock + s.length;
      if (end <= known) continue;
      fresh.push(s);
      known = end;
    }
    if (fresh.length > 0) {
      byClient.set(client, fresh);
      ends.set(client, known);
    }
  }
  return { byClient, ends, gap: null };
}

/** Resolves where each new item of an update lands (memoized, iterative: origin chains can be long). */
export class Resolver {
  private readonly memo = new Map<Y.Item, Where>();

  constructor(
    private readonly ydoc: Y.Doc,
    private readonly overlay: PendingOverlay,
    private readonly fresh: NewStructs,
    readonly rootNames: ReadonlyMap<unknown, string>,
  ) {}

  /** Where the struct holding (client, clock) is, from the server's copy or the overlay; undefined if neither has it. */
  known(client: number, clock: number): Where | undefined {
    const stored = storedStruct(this.ydoc, client, clock);
    if (stored !== null) return stored instanceof Y.GC ? 'gc' : storedPlacement(stored, this.rootNames);
    const pending = this.overlay.find(client, clock);
    return pending === null ? undefined : pending.where;
  }

  /** The new struct of this update holding (client, clock), or null. */
  newStruct(client: number, clock: number): Y.Item | Y.GC | null {
    const list = this.fresh.byClient.get(client);
    if (list === undefined) return null;
    let lo = 0;
    let hi = list.length - 1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      const s = list[mid];
      if (s === undefined) break;
      if (clock < s.id.clock) hi = mid - 1;
      else if (clock >= s.id.clock + s.length) lo = mid + 1;
      else return s;
    }
    return null;
  }

  /** Where a (client, clock) of any origin (known or new in this update) lands. */
  whereId(client: number, clock: number): Where {
    const known = this.known(client, clock);
    if (known !== undefined) return known;
    const s = this.newStruct(client, clock);
    if (s === null) return 'missing';
    return s instanceof Y.GC ? 'gc' : this.where(s);
  }

  where(item: Y.Item): Where {
    const chain: Y.Item[] = [];
    const visited = new Set<Y.Item>();
    let cur = item;
    let result: Where;
    for (;;) {
      const memo = this.memo.get(cur);
      if (memo !== undefined) {
        result = memo;
        break;
      }
      chain.push(cur);
      visited.add(cur);
      const parent: unknown = cur.parent;
      if (typeof parent === 'string') {
        result = { root: parent, key: cur.parentSub };
        break;
      }
      if (parent !== null) {
        result = 'nested';
        break;
      }
      // Y.Map.set never gives a right origin; an item with one is inserted before another and deleted at once, or
      // into a list: neither is a flat-map write.
      if (cur.rightOrigin !== null) {
        result = 'right-origin';
        break;
      }
      const ref = cur.origin;
      // An origin at or after the item's own clock of the same client can never be satisfied (Yjs would hold the
      // item as pending forever).
      if (ref === null || (ref.client === cur.id.client && ref.clock >= cur.id.clock)) {
        result = 'missing';
        break;
      }
      const known = this.known(ref.client, ref.clock);
      if (known !== undefined) {
        result = known;
        break;
      }
      const next = this.newStruct(ref.client, ref.clock);
      if (next === null || visited.has(next as Y.Item)) {
        result = 'missing';
        break;
      }
      if (next instanceof Y.GC) {
        result = 'gc';
        break;
      }
      cur = next;
    }
    for (const c of chain) this.memo.set(c, result);
    return result;
  }
}
