/**
 * The client's error vocabulary: every error an app sees from client-core is a ConcordError with a `code`.
 */
import { ConcordError } from '@concord/protocol';

export { ConcordError };

export const ClientErrorCode = {
  Closed: 'client_closed',
  NotLoggedIn: 'not_logged_in',
  AlreadyLoggedIn: 'already_logged_in',
  EmptyMessage: 'empty_message',
  MessageTooLong: 'message_too_long',
  InvalidArgument: 'invalid_argument',
  Network: 'network',
  UnknownConversation: 'unknown_conversation',
  UnknownMessage: 'unknown_message',
  EmptyAttachment: 'empty_attachment',
  AttachmentTooBig: 'attachment_too_big',
  /** The server does not have the blob (yet): its sender has not uploaded it. Try again later (ATTACH-2). */
  AttachmentUnavailable: 'attachment_unavailable',
  /** The bytes the server sent do not hash to the blob id (ATTACH-2); nothing was kept. */
  AttachmentMismatch: 'attachment_mismatch',
  /** Local storage could not be read or written, or read back what it stored. */
  Storage: 'storage',
  /** The user cancelled the transfer (ATTACH-5); an upload is retried with `retryUpload`. */
  Cancelled: 'cancelled',
  /** [ACT-1, ACT-2] Only a message's author edits or recalls it. */
  NotOwnMessage: 'not_own_message',
  /** [ACT-2] The recall window (RECALL_WINDOW_MS after sending) has passed. */
  RecallWindowPassed: 'recall_window_passed',
  /** [ACT-1, ACT-6] The message was recalled: nothing more is done to it. */
  MessageRecalled: 'message_recalled',
  /** [ACT-6] This account already has MAX_REACTIONS_PER_USER reactions on the message. */
  TooManyReactions: 'too_many_reactions',
} as const;
export type ClientErrorCode = (typeof ClientErrorCode)[keyof typeof ClientErrorCode];

/** A call on a client after `close()`. */
export class ClientClosedError extends ConcordError {
  override readonly name = 'ClientClosedError';
  constructor() {
    super(ClientErrorCode.Closed, 'the Concord client is closed');
  }
}

/** A call that needs a session before `register`, `login` or `restore`. */
export class NotLoggedInError extends ConcordError {
  override readonly name = 'NotLoggedInError';
  constructor() {
    super(ClientErrorCode.NotLoggedIn, 'not logged in');
  }
}

/** Bad input from the app: an empty or oversized message or attachment, a malformed id, an unknown conversation. */
export class InvalidInputError extends ConcordError {
  override readonly name = 'InvalidInputError';
}

/** An HTTP call failed: `status` is 0 when the server could not be reached; `code` is the server's error code. */
export class HttpError extends ConcordError {
  override readonly name = 'HttpError';
  constructor(
    code: string,
    message: string,
    readonly status: number,
  ) {
    super(code, message);
  }
}
