import * as Y from 'yjs';
import type { StoredDoc } from '../types.js';

/**
 * One update equivalent to the snapshot plus the whole tail, garbage-collected.
 *
 * The parts are merged first (Y.mergeUpdates is linear) and applied once: applying a long tail update by update
 * is what makes replay superlinear. Loading into a Y.Doc and re-encoding drops deleted content, which
 * mergeUpdates alone keeps.
 *
 * Structs whose dependencies are missing (a remote update stored before the one it builds on) stay pending in
 * the Y.Doc and are not part of encodeStateAsUpdate; they are merged back in, so the snapshot still holds them
 * and they integrate once the missing update arrives.
 */
export function mergeStoredDoc(stored: StoredDoc): Uint8Array {
  const parts: Uint8Array[] = [];
  if (stored.snapshot) parts.push(stored.snapshot);
  for (const u of stored.updates) parts.push(u.data);
  const ydoc = new Y.Doc();
  try {
    if (parts.length) Y.applyUpdate(ydoc, parts.length === 1 ? parts[0]! : Y.mergeUpdates(parts));
    const out = [Y.encodeStateAsUpdate(ydoc)];
    const { pendingStructs, pendingDs } = ydoc.store;
    if (pendingStructs) out.push(pendingStructs.update);
    if (pendingDs) out.push(pendingDs);
    return out.length === 1 ? out[0]! : Y.mergeUpdates(out);
  } finally {
    ydoc.destroy();
  }
}
