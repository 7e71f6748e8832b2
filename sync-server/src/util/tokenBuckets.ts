/**
 * [TRUST-10, TRUST-11, CONV-LIMIT-1] Token buckets keyed by connection or user. A request takes one token; without one it is
 * refused and adds to a debt, and a debt of `abuseDebt` means the sender ignores refusals (close 4429).
 * Idle full buckets are dropped, so the maps hold only recently busy keys and need no disconnect hook.
 */

export type BucketVerdict = 'ok' | 'limited' | 'abusive';

interface Bucket {
  tokens: number;
  at: number;
}

export class TokenBuckets<K> {
  private readonly buckets = new Map<K, Bucket>();
  private calls = 0;

  constructor(
    private readonly perSecond: number,
    private readonly burst: number,
    private readonly abuseDebt: number,
    private readonly now: () => number,
  ) {}

  take(key: K): BucketVerdict {
    const t = this.now();
    if (++this.calls % 4096 === 0) this.prune(t);
    let b = this.buckets.get(key);
    if (b === undefined) this.buckets.set(key, (b = { tokens: this.burst, at: t }));
    b.tokens = Math.min(this.burst, b.tokens + ((t - b.at) / 1000) * this.perSecond);
    b.at = t;
    if (b.tokens >= 1) {
      b.tokens -= 1;
      return 'ok';
    }
    b.tokens = Math.max(-this.abuseDebt, b.tokens - 1);
    return b.tokens <= -this.abuseDebt + 1 ? 'abusive' : 'limited';
  }

  /** Takes `n` tokens without a verdict (a penalty); the debt stays bounded like take's. */
  spend(key: K, n: number): void {
    const t = this.now();
    let b = this.buckets.get(key);
    if (b === undefined) this.buckets.set(key, (b = { tokens: this.burst, at: t }));
    b.tokens = Math.min(this.burst, b.tokens + ((t - b.at) / 1000) * this.perSecond);
    b.at = t;
    b.tokens = Math.max(-this.abuseDebt, b.tokens - n);
  }

  size(): number {
    return this.buckets.size;
  }

  private prune(t: number): void {
    for (const [key, b] of this.buckets) {
      if (b.tokens + ((t - b.at) / 1000) * this.perSecond >= this.burst) this.buckets.delete(key);
    }
  }
}
