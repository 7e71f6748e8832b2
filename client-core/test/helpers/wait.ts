/** Waits on a client's or conversation's events with a deadline (test-support's waitFor); never sleeps. */
import { waitFor, type Source } from '@concord/test-support';
import type { Concord } from '../../src/client/concord.js';
import type { Conversation } from '../../src/conversation/conversation.js';

export type { Source };

export function clientEvents(c: Concord): Source {
  return (notify) => {
    const offs = [
      c.events.on('conversations', notify),
      c.events.on('connection', notify),
      c.events.on('sessionInvalid', notify),
      c.events.on('versionMismatch', notify),
      c.events.on('rejected', notify),
      c.events.on('storageError', notify),
      c.events.on('idle', notify),
      c.events.on('presence', notify),
    ];
    return () => offs.forEach((o) => o());
  };
}

export function convEvents(c: Conversation): Source {
  return (notify) => {
    const offs = [c.events.on('messages', notify), c.events.on('typing', notify), c.events.on('presence', notify)];
    return () => offs.forEach((o) => o());
  };
}

export function until(what: string, check: () => boolean, sources: readonly Source[], ms = 5000): Promise<void> {
  return waitFor(what, check, { sources, timeoutMs: ms });
}
