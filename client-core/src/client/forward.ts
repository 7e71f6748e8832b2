/**
 * [ACT-8] Forwarding a message into another conversation: its text as a new own message there; an attachment by
 * reference: the server links the blob into the target conversation (no bytes sent, BLOB-1's content storage is
 * shared), and the new message names the target's copy, which its members may read (BLOB-2).
 */
import { blobPath, parseBlobUrl, type ConversationId, type MessageId } from '@concord/protocol';
import type { Message } from '../conversation/conversation.js';
import { checkText } from '../conversation/actions.js';
import { writeMessage } from '../conversation/write.js';
import { ClientErrorCode, InvalidInputError } from '../errors.js';
import type { HttpApi } from '../http/api.js';
import type { RandomBytes } from '../platform.js';
import type { Runtime } from './runtime.js';

export async function forwardMessage(rt: Runtime, api: HttpApi, random: RandomBytes, message: Message, to: ConversationId): Promise<MessageId> {
  if (typeof message !== 'object' || message === null) throw new InvalidInputError(ClientErrorCode.InvalidArgument, 'no message to forward');
  if (message.recalled) throw new InvalidInputError(ClientErrorCode.MessageRecalled, `message ${message.id} was recalled`);
  const deps = { history: rt.histories.get(to), userId: rt.session.userId, clock: rt.clock, random };
  const a = message.attachment;
  let id: MessageId;
  if (a === undefined) {
    checkText(message.body);
    id = await writeMessage(deps, { type: 'text', body: message.body });
  } else {
    const ref = parseBlobUrl(a.url);
    if (ref === null) throw new InvalidInputError(ClientErrorCode.InvalidArgument, `not a blob url: ${JSON.stringify(a.url)}`);
    // Online only: the link is what lets the target's members read the bytes (a network failure is an HttpError
    // with status 0, and nothing is written).
    if (ref.conversationId !== to) await api.linkBlob(rt.session.token, to, ref.blobId, ref.conversationId);
    id = await writeMessage(deps, { type: message.type, body: message.body, attachment: { ...a, url: blobPath(to, ref.blobId) } });
  }
  // Load and sync the target's head, as for a conversation created here: the new message goes out now.
  rt.need(to);
  return id;
}
