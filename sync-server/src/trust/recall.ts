/**
 * Message actions' server checks (SPEC ACT-2): a recall (`edits` value with `deleted: true`) is accepted only
 * within RECALL_WINDOW_MS of its message's HLC stamp by the server's wall clock, or when the message has not
 * reached anyone yet; and a recall is final: no later write or deletion replaces it. Both read the server's copy
 * of the segment (and the update being checked), never the client's word.
 */
import * as Y from 'yjs';
import { CONV_MESSAGES, RECALL_WINDOW_MS, decodeHlc, isHlc, type ClientRoot } from '@concord/protocol';
import type { PendingOverlay } from './placement.js';

/** The value of the live entry `key` of the server's copy of `root`, or undefined. */
export function heldValue(ydoc: Y.Doc, root: string, key: string): unknown {
  const item = ydoc.share.get(root)?._map.get(key);
  if (item === undefined || item.deleted) return undefined;
  const c = item.content;
  return c instanceof Y.ContentAny || c instanceof Y.ContentJSON ? c.arr[0] : undefined;
}

/** [ACT-2] A write under `key` of `root` that would replace a final entry the server holds (a recall): the refusal. */
export function finalEntryProblem(ydoc: Y.Doc, root: ClientRoot<unknown>, key: string): string | null {
  if (root.final?.(heldValue(ydoc, root.name, key)) !== true) return null;
  return `ACT-2: message ${key} was recalled; a recall is final`;
}

/**
 * [ACT-2] A recall of the message `key` written now: refused when the message is older than the window by the
 * server's clock. A message in the same update, or accepted earlier and still queued (DUR-1: milliseconds), has
 * reached nobody yet, so its recall is accepted whatever its stamp (an offline send recalled before it went out).
 * A message this segment does not hold cannot be recalled here (SEG-4: edits go into the message's segment).
 */
export function recallWindowProblem(
  ydoc: Y.Doc,
  key: string,
  now: number,
  inThisUpdate: (root: string, key: string) => boolean,
  overlay: PendingOverlay,
): string | null {
  if (inThisUpdate(CONV_MESSAGES, key) || overlay.keys.get(CONV_MESSAGES)?.has(key) === true) return null;
  const message = heldValue(ydoc, CONV_MESSAGES, key);
  const hlc = typeof message === 'object' && message !== null ? (message as Record<string, unknown>)['hlc'] : undefined;
  if (!isHlc(hlc)) return `ACT-2: no message ${key} in this segment to recall`;
  const age = now - decodeHlc(hlc).ms;
  if (age > RECALL_WINDOW_MS) {
    return `ACT-2: message ${key} is ${Math.round(age / 1000)} s old; a message is recalled within ${RECALL_WINDOW_MS / 1000} s`;
  }
  return null;
}
