/**
 * [TRUST-16] Refused updates are logged aggregated: the first refusal of a (user, code) pair is logged at once, the
 * ones that follow within `windowMs` are counted and logged as one line when the window is over. A flood of refusals
 * (40,000 a second from one socket was seen) must not turn into a flood of log lines (259 MB in 25 s was seen).
 */
import type { Logger } from 'pino';

interface Window {
  since: number;
  suppressed: number;
  lastReason: string;
}

/** Pairs remembered at most; beyond it, windows that ended are dropped (a burst of new pairs logs at once). */
const MAX_WINDOWS = 10_000;

export class RefusalLog {
  private readonly windows = new Map<string, Window>();

  constructor(
    private readonly logger: Logger,
    private readonly windowMs = 10_000,
    private readonly now: () => number = Date.now,
  ) {}

  note(user: string, doc: string, code: string, reason: string): void {
    const key = `${user}\u0000${code}`;
    const t = this.now();
    const w = this.windows.get(key);
    if (w !== undefined && t - w.since < this.windowMs) {
      w.suppressed++;
      w.lastReason = reason;
      return;
    }
    if (w !== undefined && w.suppressed > 0) {
      this.logger.info({ user, code, refused: w.suppressed, windowMs: t - w.since, lastReason: w.lastReason }, 'updates refused (aggregated)');
    }
    this.logger.info({ doc, user, code, reason }, 'update refused');
    if (w === undefined && this.windows.size >= MAX_WINDOWS) this.prune(t);
    this.windows.set(key, { since: t, suppressed: 0, lastReason: reason });
  }

  private prune(t: number): void {
    for (const [key, w] of this.windows) {
      if (t - w.since < this.windowMs) continue;
      if (w.suppressed > 0) this.logger.info({ key: key.replace('\u0000', ' '), refused: w.suppressed, lastReason: w.lastReason }, 'updates refused (aggregated)');
      this.windows.delete(key);
    }
  }
}
