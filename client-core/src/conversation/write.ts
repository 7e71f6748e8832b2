/**
 * Writing a new own message entry into a conversation's head segment (SEG-2), shared by a conversation view's
 * `send` and `concord.forward`, which writes into a conversation the app may not have open (no view, so no presence
 * published there). Resolves once the entry is in local storage (OFFLINE-1).
 */
import { randomId, type RandomBytes } from '../platform.js';
import type { ConvHistory } from '../history/convHistory.js';
import type { HybridClock, MessageEntry, MessageId, UserId } from '@concord/protocol';
import { CONV_MESSAGES } from '@concord/protocol';

export interface WriteDeps {
  readonly history: ConvHistory;
  readonly userId: UserId;
  readonly clock: HybridClock;
  readonly random: RandomBytes;
}

export type NewMessageFields = Pick<MessageEntry, 'type' | 'body' | 'attachment' | 'replyTo' | 'mentions'>;

/** Writes the entry; returns its id. `answers` is the message replied to, whose stamp the new one sorts after. */
export async function writeMessage(deps: WriteDeps, fields: NewMessageFields, answers?: MessageEntry): Promise<MessageId> {
  const { userId, clock, history } = deps;
  const seg = await history.writeSegment();
  // HLC-1: observe every stamp of the others in the loaded segments before ticking, and the answered message's, so
  // a reply sorts after what it answers even when this device's clock is behind.
  for (const s of history.segments()) {
    const newest = s.index.newestOthersHlc();
    if (newest !== null) clock.observe(newest);
  }
  if (answers !== undefined) clock.observe(answers.hlc);
  const id = `${userId}.${randomId(deps.random)}` as MessageId;
  const entry: MessageEntry = {
    id,
    author: userId,
    hlc: clock.tick(),
    type: fields.type,
    body: fields.body,
    ...(fields.replyTo !== undefined ? { replyTo: fields.replyTo } : {}),
    ...(fields.attachment !== undefined ? { attachment: fields.attachment } : {}),
    ...(fields.mentions !== undefined && fields.mentions.length > 0 ? { mentions: fields.mentions } : {}),
  };
  seg.handle.transactLocal(() => seg.handle.doc.getMap<unknown>(CONV_MESSAGES).set(id, entry));
  await seg.handle.persisted();
  return id;
}
