/**
 * Receipt marks written by this device (RCPT-CLIENT-1; the marks' format is RCPT-1): the delivered mark is written automatically once others'
 * messages are durably stored here; the read mark by `markRead`. A vector holds, per client id of other members'
 * messages, the clock just past the newest such message item (MessageIndex.othersFrontier): it stays small, says
 * nothing about the device's own writes, and does not move when only receipts change (RCPT-3).
 */
import type { DocHandle } from '../doc/docHandle.js';
import { CONV_RECEIPTS, receiptKey, type ReceiptMark, encodeClockVector, type Hlc } from '@concord/protocol';
import type { MessageIndex } from './messageIndex.js';

function currentMark(handle: DocHandle, key: string): ReceiptMark {
  const v = handle.doc.getMap<unknown>(CONV_RECEIPTS).get(key);
  return typeof v === 'object' && v !== null ? (v as ReceiptMark) : {};
}

function writeMark(handle: DocHandle, key: string, mark: ReceiptMark): void {
  const clean: Record<string, string> = {};
  if (mark.dsv !== undefined) clean['dsv'] = mark.dsv;
  if (mark.rsv !== undefined) clean['rsv'] = mark.rsv;
  if (mark.rhlc !== undefined) clean['rhlc'] = mark.rhlc;
  handle.transactLocal(() => handle.doc.getMap<unknown>(CONV_RECEIPTS).set(key, clean));
}

/** Write the delivered mark if what is stored here now covers more than the current mark. */
export function updateDeliveredMark(handle: DocHandle, index: MessageIndex, userId: string, deviceId: string): void {
  const frontier = index.othersFrontier();
  if (frontier.size === 0) return;
  const key = receiptKey(userId, deviceId);
  const dsv = encodeClockVector(frontier);
  const mark = currentMark(handle, key);
  if (mark.dsv === dsv) return;
  writeMark(handle, key, { ...mark, dsv });
}

/** Read mark up to `upTo` (an HLC): covers what this device holds now, and nothing stamped later. */
export function writeReadMark(handle: DocHandle, index: MessageIndex, userId: string, deviceId: string, upTo: Hlc): boolean {
  const key = receiptKey(userId, deviceId);
  const rsv = encodeClockVector(index.othersFrontier());
  const dsv = rsv;
  const mark = currentMark(handle, key);
  // Never move a read mark backwards in time (another page may have been read further already).
  const rhlc = mark.rhlc !== undefined && mark.rhlc > upTo ? mark.rhlc : upTo;
  if (mark.rsv === rsv && mark.rhlc === rhlc && mark.dsv === dsv) return false;
  writeMark(handle, key, { dsv, rsv, rhlc });
  return true;
}

/**
 * Keep this device's delivered mark current for one conv doc: after each batch of remote changes is stored.
 * Returns the detach function.
 */
export function autoDeliver(handle: DocHandle, index: MessageIndex, userId: string, deviceId: string): () => void {
  let queued = false;
  let stopped = false;
  const run = (): void => {
    if (queued) return;
    queued = true;
    handle.persisted().then(
      () => {
        queued = false;
        if (!stopped) updateDeliveredMark(handle, index, userId, deviceId);
      },
      () => {
        queued = false;
      },
    );
  };
  const off = handle.events.on('changed', ({ source }) => {
    if (source === 'remote') run();
  });
  run();
  return () => {
    stopped = true;
    off();
  };
}
