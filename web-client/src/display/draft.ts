/**
 * [WEB-DRAFT-1] What of the composer's text is stored as the draft. The server refuses a draft longer than a message
 * may be (TRUST-9), and a refused write fails the whole user-doc update it is in (pins, mutes, other drafts), so the
 * stored draft is cut to MAX_MESSAGE_LENGTH UTF-16 code units, never between the two halves of a surrogate pair.
 * The composer itself keeps the whole text; sending an over-long message is refused with its own error.
 */
import { MAX_MESSAGE_LENGTH } from '@concord/client-core/schema';

export function storedDraft(text: string, max: number = MAX_MESSAGE_LENGTH): string {
  if (text.length <= max) return text;
  const last = text.charCodeAt(max - 1);
  // A high surrogate as the last kept unit would leave half a character behind.
  const end = last >= 0xd800 && last <= 0xdbff ? max - 1 : max;
  return text.slice(0, end);
}
