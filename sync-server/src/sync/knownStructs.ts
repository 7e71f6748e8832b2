/**
 * [VAL-5] A struct the server already holds must be re-sent as it is: same content, same map key, same origin, same
 * root. Yjs skips a known id silently, so without this check a member could re-send another member's message id with
 * other content and a peer that has not seen the original would take the forgery for it (the hub relays only what
 * it integrated, which stops the relay; this refuses the attempt and tells the sender why).
 *
 * Deleted or garbage-collected stored structs carry no content to compare and are skipped: what they held is gone
 * from every copy that applied the deletion.
 */
import * as Y from 'yjs';
import { equalityDeep } from 'lib0/function';
import { ErrorCode } from '@concord/protocol';
import type { UpdateRule, ValidationContext } from './validate.js';

type Content = Y.Item['content'];

export const knownStructsRule: UpdateRule = (ctx, update) => {
  const store = ctx.ydoc.store;
  let rootNames: Map<object, string> | null = null;
  for (const s of update.structs) {
    if (!(s instanceof Y.Item) || s.content instanceof Y.ContentDeleted) continue;
    const client = s.id.client;
    const held = Y.getState(store, client);
    if (s.id.clock >= held) continue;
    const structs = store.clients.get(client);
    if (structs === undefined) continue;
    const end = Math.min(s.id.clock + s.length, held);
    for (let i = Y.findIndexSS(structs, s.id.clock); i < structs.length; i++) {
      const stored = structs[i];
      if (stored === undefined || stored.id.clock >= end) break;
      if (!(stored instanceof Y.Item) || stored.deleted) continue;
      const from = Math.max(s.id.clock, stored.id.clock);
      const len = Math.min(end, stored.id.clock + stored.length) - from;
      rootNames ??= rootNamesOf(ctx);
      const problem = differs(s, stored, from, len, rootNames);
      if (problem !== null) {
        return { code: ErrorCode.InvalidUpdate, message: `VAL-5: struct ${client}:${from} differs from the stored one (${problem})` };
      }
    }
  }
  return null;
};

function rootNamesOf(ctx: ValidationContext): Map<object, string> {
  const names = new Map<object, string>();
  for (const [name, type] of ctx.ydoc.share) names.set(type, name);
  return names;
}

/** Why the update's item `u` and the stored item `st` disagree on clocks [from, from + len), or null. */
function differs(u: Y.Item, st: Y.Item, from: number, len: number, rootNames: Map<object, string>): string | null {
  if (!sameId(originAt(u, from), originAt(st, from))) return 'origin';
  // The encoding carries parent and key only for an item without origins; otherwise both follow from the origin,
  // which was just compared.
  if (u.origin === null && u.rightOrigin === null && u.parentSub !== st.parentSub) return 'map key';
  if (typeof u.parent === 'string') {
    const parent: unknown = st.parent;
    const storedRoot = parent instanceof Y.AbstractType && parent._item === null ? rootNames.get(parent) : undefined;
    if (storedRoot !== u.parent) return 'parent';
  }
  return sameContent(u.content, from - u.id.clock, st.content, from - st.id.clock, len) ? null : 'content';
}

/** The left neighbour the item at `clock` was inserted after: the item's origin, or the previous clock within it. */
function originAt(item: Y.Item, clock: number): Y.ID | null {
  return clock === item.id.clock ? item.origin : Y.createID(item.id.client, clock - 1);
}

function sameId(a: Y.ID | null, b: Y.ID | null): boolean {
  return a === null || b === null ? a === b : a.client === b.client && a.clock === b.clock;
}

function sameContent(a: Content, aOff: number, b: Content, bOff: number, len: number): boolean {
  if (a instanceof Y.ContentString && b instanceof Y.ContentString) {
    const x = a.str.slice(aOff, aOff + len);
    const y = b.str.slice(bOff, bOff + len);
    // Yjs replaces a surrogate pair split by an insertion with U+FFFD on one side only: not a forgery.
    return x === y || x.includes('\uFFFD') || y.includes('\uFFFD');
  }
  if ((a instanceof Y.ContentAny && b instanceof Y.ContentAny) || (a instanceof Y.ContentJSON && b instanceof Y.ContentJSON)) {
    const x: unknown[] = a.arr.slice(aOff, aOff + len);
    const y: unknown[] = b.arr.slice(bOff, bOff + len);
    return equalityDeep(x, y);
  }
  if (a instanceof Y.ContentBinary && b instanceof Y.ContentBinary) return equalityDeep(a.content, b.content);
  if (a instanceof Y.ContentEmbed && b instanceof Y.ContentEmbed) return equalityDeep(a.embed, b.embed);
  if (a instanceof Y.ContentFormat && b instanceof Y.ContentFormat) return a.key === b.key && equalityDeep(a.value, b.value);
  if (a instanceof Y.ContentType && b instanceof Y.ContentType) return a.type.constructor === b.type.constructor;
  if (a instanceof Y.ContentDoc && b instanceof Y.ContentDoc) return a.doc?.guid === b.doc?.guid;
  return false;
}

