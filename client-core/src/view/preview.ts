/*
 * One-line previews of messages (VIEW-5): the conversation list's rows and the notifications. Attachments read
 * `[Image] name`, `[File] name`, `[Voice]` (a voice message has no useful name); white space folds to one line.
 */
import type { LastMessage } from '../conversation/list.js';
import { WORDS_EN, type ViewWords } from './words.js';

function oneLine(text: string): string {
  return text.replace(/\s+/g, ' ').trim();
}

/**
 * A message's preview from its parts. `attachmentName` '' (an old message without one) falls back to the body,
 * which names the attachment.
 */
export function previewText(type: string, body: string, attachmentName: string, w: ViewWords = WORDS_EN): string {
  if (type === 'voice') return w.voice;
  if (type === 'image' || type === 'file') {
    const name = oneLine(attachmentName.length > 0 ? attachmentName : body);
    const label = type === 'image' ? w.image : w.file;
    return name.length > 0 ? `${label} ${name}` : label;
  }
  return oneLine(body);
}

/** The preview of a conversation's last message (client-core's LastMessage). */
export function lastMessagePreview(last: LastMessage, w: ViewWords = WORDS_EN): string {
  return previewText(last.type, last.body, last.attachment === undefined ? '' : last.attachment.name, w);
}

/** A draft in the list: marked as one, on one line; '' for a draft of blanks only (it is not listed). */
export function draftPreview(draft: string, w: ViewWords = WORDS_EN): string {
  const text = oneLine(draft);
  return text.length > 0 ? w.draftPrefix + text : '';
}
