/** WEB-STATUS-1: how an own message's status is shown: a glyph, a text for screen readers and tooltips. */
import type { MessageStatus } from '@concord/client-core';

export interface StatusView {
  readonly glyph: string;
  readonly label: string;
}

export function statusView(status: MessageStatus): StatusView {
  switch (status) {
    case 'sending':
      return { glyph: '◔', label: 'Sending' };
    case 'sent':
      return { glyph: '✓', label: 'Sent' };
    case 'delivered':
      return { glyph: '✓✓', label: 'Delivered' };
    case 'read':
      return { glyph: '✓✓', label: 'Read' };
    case 'failed':
      return { glyph: '!', label: 'Failed to send' };
    default:
      return unexpected(status);
  }
}

/** Progress order, for tests and for never showing a status go backwards in an animation. */
export const STATUS_RANK: Readonly<Record<MessageStatus, number>> = { failed: -1, sending: 0, sent: 1, delivered: 2, read: 3 };

function unexpected(x: never): never {
  throw new Error(`unexpected status ${String(x)}`);
}
