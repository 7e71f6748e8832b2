/** Waits on events with a deadline; never sleeps. */
import type { Concord } from '../../src/client/concord.js';
import type { Conversation } from '../../src/conversation/conversation.js';

export type Source = (notify: () => void) => () => void;

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

export async function until(what: string, check: () => boolean, sources: readonly Source[], ms = 5000): Promise<void> {
  if (check()) return;
  await new Promise<void>((resolve, reject) => {
    const offs: (() => void)[] = [];
    const done = (err?: Error): void => {
      clearTimeout(timer);
      offs.forEach((o) => o());
      if (err === undefined) resolve();
      else reject(err);
    };
    const timer = setTimeout(() => done(new Error(`timed out after ${ms} ms waiting for: ${what}`)), ms);
    const notify = (): void => {
      let ok = false;
      try {
        ok = check();
      } catch (err) {
        done(err instanceof Error ? err : new Error(String(err)));
        return;
      }
      if (ok) done();
    };
    for (const s of sources) offs.push(s(notify));
    notify();
  });
}
