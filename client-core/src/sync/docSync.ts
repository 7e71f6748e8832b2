/**
 * The pure part of doc sync: turns a SYNC payload (y-protocols sync message) into doc changes and the reply to
 * send, and builds outgoing payloads. No I/O; the engine decides when to call it.
 *
 * Unlike y-protocols' readSyncMessage, step 1 is decoded here: the server's state vector is an acknowledgement
 * (ACK-2), and refused (poisoned) client ids are left out of the SyncStep2 answer so a refused update is not
 * offered again on every handshake.
 */
import * as decoding from 'lib0/decoding';
import * as encoding from 'lib0/encoding';
import * as Y from 'yjs';
import * as syncProtocol from 'y-protocols/sync';
import type { DocHandle } from '../doc/docHandle.js';

export type SyncMessageKind = 'step1' | 'step2' | 'update' | 'invalid';

export interface SyncOutcome {
  readonly kind: SyncMessageKind;
  /** A SyncStep2 to send back (answer to the server's step 1), or null. */
  readonly reply: Uint8Array | null;
}

export function step1Payload(doc: Y.Doc): Uint8Array {
  const e = encoding.createEncoder();
  syncProtocol.writeSyncStep1(e, doc);
  return encoding.toUint8Array(e);
}

export function updatePayload(update: Uint8Array): Uint8Array {
  const e = encoding.createEncoder();
  syncProtocol.writeUpdate(e, update);
  return encoding.toUint8Array(e);
}

/** What the server lacks, given its state vector, without structs of refused client ids. */
export function step2Payload(handle: DocHandle, serverSv: Map<number, number>): Uint8Array {
  const target = new Map(serverSv);
  if (handle.poisoned.size > 0) {
    const local = handle.stateVector();
    for (const client of handle.poisoned) {
      const clock = local.get(client);
      // Claiming the server holds them makes encodeStateAsUpdate skip them.
      if (clock !== undefined && (target.get(client) ?? 0) < clock) target.set(client, clock);
    }
  }
  const e = encoding.createEncoder();
  encoding.writeVarUint(e, syncProtocol.messageYjsSyncStep2);
  encoding.writeVarUint8Array(e, Y.encodeStateAsUpdate(handle.doc, Y.encodeStateVector(target)));
  return encoding.toUint8Array(e);
}

/** Apply one SYNC payload from the server. Never throws: a malformed payload is reported as `invalid`. */
export function handleSyncPayload(handle: DocHandle, payload: Uint8Array): SyncOutcome {
  try {
    const d = decoding.createDecoder(payload);
    const type = decoding.readVarUint(d);
    switch (type) {
      case syncProtocol.messageYjsSyncStep1: {
        const serverSv = Y.decodeStateVector(decoding.readVarUint8Array(d));
        handle.acknowledge(serverSv);
        return { kind: 'step1', reply: step2Payload(handle, serverSv) };
      }
      case syncProtocol.messageYjsSyncStep2:
      case syncProtocol.messageYjsUpdate: {
        const ok = handle.applyRemote(decoding.readVarUint8Array(d));
        if (!ok) return { kind: 'invalid', reply: null };
        return { kind: type === syncProtocol.messageYjsSyncStep2 ? 'step2' : 'update', reply: null };
      }
      default:
        return { kind: 'invalid', reply: null };
    }
  } catch {
    return { kind: 'invalid', reply: null };
  }
}
