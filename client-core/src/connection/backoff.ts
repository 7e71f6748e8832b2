/** Exponential backoff with full jitter (AWS architecture blog): delay = random(0, min(cap, base * 2^attempt)). */
export interface BackoffOptions {
  readonly baseMs: number;
  readonly capMs: number;
}

export const DEFAULT_BACKOFF: BackoffOptions = { baseMs: 500, capMs: 30_000 };

export function backoffDelay(attempt: number, options: BackoffOptions, random01: () => number): number {
  const ceiling = Math.min(options.capMs, options.baseMs * 2 ** Math.min(attempt, 30));
  return Math.floor(random01() * ceiling);
}
