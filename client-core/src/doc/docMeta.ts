/**
 * Per-doc sync bookkeeping kept in the storage kv (`docmeta:<doc>`): the server's acknowledged clocks, the Yjs
 * client ids whose updates the server refused, and this device's failed messages. JSON, because it is small and
 * must survive a corrupt value (a bad record is dropped, never fatal).
 */
import type { StateVector } from '@concord/protocol';

export interface FailedMessage {
  readonly reason: string;
  /** Set when the app retried it: the failed entry is then hidden from the message list. */
  readonly retried?: boolean;
}

export interface DocMeta {
  acked: StateVector;
  poisoned: Set<number>;
  failed: Map<string, FailedMessage>;
}

export function emptyDocMeta(): DocMeta {
  return { acked: new Map(), poisoned: new Set(), failed: new Map() };
}

export function docMetaKey(doc: string): string {
  return `docmeta:${doc}`;
}

/**
 * Present while a doc has local changes the server has not acknowledged, so a restart finds them without loading
 * every doc (SEG-6: history segments stay on disk, yet their unsent marks and late writes must still go out).
 */
export const UNACKED_KEY_PREFIX = 'unacked:';
export function unackedKey(doc: string): string {
  return `${UNACKED_KEY_PREFIX}${doc}`;
}

export function encodeDocMeta(meta: DocMeta): Uint8Array {
  const json = {
    acked: [...meta.acked],
    poisoned: [...meta.poisoned],
    failed: [...meta.failed],
  };
  return new TextEncoder().encode(JSON.stringify(json));
}

/** Returns null when the bytes are not a valid record. */
export function decodeDocMeta(bytes: Uint8Array): DocMeta | null {
  try {
    const v = JSON.parse(new TextDecoder().decode(bytes)) as unknown;
    if (typeof v !== 'object' || v === null) return null;
    const o = v as Record<string, unknown>;
    const meta = emptyDocMeta();
    if (Array.isArray(o['acked'])) {
      for (const e of o['acked'] as unknown[]) {
        if (Array.isArray(e) && typeof e[0] === 'number' && typeof e[1] === 'number') meta.acked.set(e[0], e[1]);
      }
    }
    if (Array.isArray(o['poisoned'])) {
      for (const c of o['poisoned'] as unknown[]) if (typeof c === 'number') meta.poisoned.add(c);
    }
    if (Array.isArray(o['failed'])) {
      for (const e of o['failed'] as unknown[]) {
        if (!Array.isArray(e) || typeof e[0] !== 'string' || typeof e[1] !== 'object' || e[1] === null) continue;
        const f = e[1] as Record<string, unknown>;
        if (typeof f['reason'] !== 'string') continue;
        meta.failed.set(e[0], f['retried'] === true ? { reason: f['reason'], retried: true } : { reason: f['reason'] });
      }
    }
    return meta;
  } catch {
    return null;
  }
}

/** Raise `into` to at least `from` per client; returns whether anything grew. */
export function mergeMax(into: StateVector, from: StateVector): boolean {
  let grew = false;
  for (const [client, clock] of from) {
    if ((into.get(client) ?? 0) < clock) {
      into.set(client, clock);
      grew = true;
    }
  }
  return grew;
}
