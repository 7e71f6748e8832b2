/** Waiting on a client-core client in the benches: on its events, never by polling, with a bound. */
import type { Concord } from '../../client-core/src/client/concord.js';

/** Resolves once `check()` holds, re-checked on every list, connection or idle event; rejects after `ms`. */
export function until(client: Concord, check: () => boolean, ms = 60_000): Promise<void> {
  return new Promise((resolve, reject) => {
    if (check()) return resolve();
    const timer = setTimeout(() => (off(), reject(new Error('bench wait timed out'))), ms);
    const events = ['conversations', 'connection', 'idle'] as const;
    const offs = events.map((e) => client.events.on(e, () => check() && (off(), clearTimeout(timer), resolve())));
    const off = (): void => offs.forEach((o) => o());
  });
}
