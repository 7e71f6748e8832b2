/**
 * [SYNC-5a] PING frames are cheap to send and each costs the server a PONG: a token bucket per connection bounds
 * them. Clients ping once per heartbeat interval (10 s, CONN-3), plus one when they suspect the link; 20 at once and
 * 2 a second sustained leaves honest clients far below it.
 */
export const PING_BURST = 20;
export const PING_REFILL_PER_SECOND = 2;

export class PingBucket {
  private tokens = PING_BURST;
  private updatedAt: number;

  constructor(private readonly now: () => number = () => performance.now()) {
    this.updatedAt = now();
  }

  /** Takes one token; false when the connection is over its rate. */
  take(): boolean {
    const t = this.now();
    this.tokens = Math.min(PING_BURST, this.tokens + ((t - this.updatedAt) / 1000) * PING_REFILL_PER_SECOND);
    this.updatedAt = t;
    if (this.tokens < 1) return false;
    this.tokens -= 1;
    return true;
  }
}
