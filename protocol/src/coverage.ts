/**
 * Exact receipts (SPEC.md, RCPT-*): which message items a state vector covers. A message's identity for receipts
 * is the Yjs id (client, clock) of its immutable `messages` entry.
 */
import * as Y from 'yjs';
import { fromBase64, toBase64 } from './base64.js';

export interface ItemId {
  readonly client: number;
  readonly clock: number;
}

/** The Yjs id of the item currently stored under `key` of a Y.Map, or null. */
export function mapEntryItemId(map: Y.Map<unknown>, key: string): ItemId | null {
  // Y.Map keeps its current item per key in `_map`; the public API has no accessor for the item's id.
  const item = (map as unknown as { _map: Map<string, Y.Item> })._map.get(key);
  if (item === undefined || item.deleted) return null;
  return { client: item.id.client, clock: item.id.clock };
}

export type StateVector = Map<number, number>;

export function isCovered(sv: StateVector, id: ItemId): boolean {
  const clock = sv.get(id.client);
  return clock !== undefined && clock > id.clock;
}

/** A clock vector (client -> clock) base64-encoded for a JSON receipt mark. */
export function encodeClockVector(vector: ReadonlyMap<number, number>): string {
  return toBase64(Y.encodeStateVector(vector as Map<number, number>));
}

/** Decodes a mark's vector; a malformed one (written by a buggy or hostile client) covers nothing. */
export function decodeStateVectorSafe(base64: string | undefined): StateVector {
  if (base64 === undefined || base64.length === 0 || base64.length > 1 << 20) return new Map();
  try {
    return Y.decodeStateVector(fromBase64(base64));
  } catch {
    return new Map();
  }
}
