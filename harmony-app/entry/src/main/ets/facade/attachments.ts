/*
 * Attachments as the chat page sees them (HAPP-ATTACH-1/2): what picked bytes are, why one could not be sent or
 * shown, and whole-percent progress. ArkTS-clean.
 */
import { ClientErrorCode, ConcordError } from '@concord/client-core';
import type { AttachmentInput, AttachmentType } from '@concord/client-core';
import { Refusal } from './refusal';

/** Why an attachment could not be sent or shown (HAPP-ATTACH-1); the chat page shows one string per value. */
export enum AttachmentFailure {
  /** Over MAX_ATTACHMENT_BYTES (25 MiB). */
  TooBig = 0,
  /** No bytes (an empty file). */
  Empty = 1,
  /** Its sender has not uploaded it yet (client-core `attachment_unavailable`): try again later. */
  NotUploaded = 2,
  /** This device has no copy and cannot reach the server (client-core `network`). */
  Offline = 3,
  /** The server's bytes are not the attachment's (client-core `attachment_mismatch`); nothing was kept. */
  Damaged = 4,
  /** The row is not loaded, or is not an attachment (deleted meanwhile). */
  NotAnAttachment = 5,
  Other = 6,
}

export class AttachmentError extends Refusal<AttachmentFailure> {
  constructor(failure: AttachmentFailure, message: string) {
    super('AttachmentError', failure, message);
  }
}

/** What the page knows about picked bytes: kind ('image' | 'file' | 'voice'), file name, mime type, voice length. */
export class AttachmentMeta implements AttachmentInput {
  readonly type: AttachmentType;
  readonly name: string;
  readonly mime: string;
  readonly durationMs?: number;
  constructor(type: AttachmentType, name: string, mime: string, durationMs?: number) {
    this.type = type;
    this.name = name;
    this.mime = mime;
    if (durationMs !== undefined) this.durationMs = durationMs;
  }
}

/** client-core's refusal of an attachment, as the reason the page shows (HAPP-ATTACH-1). */
export function attachmentError(e: Error): AttachmentError {
  if (e instanceof AttachmentError) return e;
  const code = e instanceof ConcordError ? e.code : '';
  if (code === ClientErrorCode.AttachmentTooBig) return new AttachmentError(AttachmentFailure.TooBig, e.message);
  if (code === ClientErrorCode.EmptyAttachment) return new AttachmentError(AttachmentFailure.Empty, e.message);
  if (code === ClientErrorCode.AttachmentUnavailable) return new AttachmentError(AttachmentFailure.NotUploaded, e.message);
  if (code === ClientErrorCode.Network) return new AttachmentError(AttachmentFailure.Offline, e.message);
  if (code === ClientErrorCode.AttachmentMismatch) return new AttachmentError(AttachmentFailure.Damaged, e.message);
  return new AttachmentError(AttachmentFailure.Other, e.message);
}

/** client-core's sendAttachment options: whole percents to the page, each once (HAPP-ATTACH-2). */
export class AttachmentSendOptions {
  readonly onProgress?: (done: number, total: number) => void;
  constructor(percent: ((percent: number) => void) | undefined) {
    if (percent === undefined) return;
    let last = -1;
    this.onProgress = (done: number, total: number): void => {
      const p = total === 0 ? 100 : Math.floor((done * 100) / total);
      if (p === last) return;
      last = p;
      percent(p);
    };
  }
}
