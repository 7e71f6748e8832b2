/**
 * Login and registration rate limits (SPEC AUTH-10..AUTH-12), in memory per server process.
 *
 * Logins: a failure score per client address and per username. Each failure adds 1; the score decays by 1 every
 * `decayMs`. Past `freeFailures`, the key is blocked for `baseDelayMs * 2^(score - freeFailures)` after its last
 * failure, capped at `maxDelayMs`.
 * - An address that is blocked gets 429 whatever the password (AUTH-10): its own failures only.
 * - A username that is blocked refuses every address that is not trusted for it (AUTH-11): an attacker spraying
 *   one account from many addresses shares one schedule, however many addresses it has. An address is trusted for
 *   a username once a login (or the registration) of that username succeeded from it, for `trustMs`; its failures
 *   on that username count against the address only, so the owner mistyping at home during an attack is limited
 *   by their own failures and nobody else's.
 * Unknown usernames are limited exactly like real ones (nobody can earn trust for them), so the limiter reveals
 * nothing.
 */
import type { Clock } from '../config.js';

export interface LoginLimiterOptions {
  /** Failures allowed before any delay. */
  readonly freeFailures: number;
  readonly baseDelayMs: number;
  readonly maxDelayMs: number;
  /** One failure is forgotten per this many ms. */
  readonly decayMs: number;
  /** Bound on remembered keys (oldest dropped first), so a flood of names cannot grow memory without bound. */
  readonly maxEntries: number;
  /** How long an address stays trusted for a username after a successful login from it. */
  readonly trustMs: number;
}

export const DEFAULT_LOGIN_LIMITS: LoginLimiterOptions = {
  freeFailures: 5,
  baseDelayMs: 1000,
  maxDelayMs: 5 * 60_000,
  decayMs: 2 * 60_000,
  maxEntries: 100_000,
  trustMs: 30 * 24 * 60 * 60_000,
};

export interface RegistrationLimiterOptions {
  /** Accounts one address may create at once. */
  readonly burst: number;
  /** One more account is allowed per this many ms. */
  readonly refillMs: number;
  readonly maxEntries: number;
}

export const DEFAULT_REGISTRATION_LIMITS: RegistrationLimiterOptions = {
  burst: 20,
  refillMs: 3 * 60_000,
  maxEntries: 100_000,
};

export type LimitDecision = { readonly allowed: true } | { readonly allowed: false; readonly retryAfterMs: number };

function resolve<T extends object>(defaults: T, partial: Partial<T> | undefined, what: string): T {
  const merged: T = { ...defaults, ...partial };
  for (const [key, value] of Object.entries(merged)) {
    if (typeof value !== 'number' || !(value >= 0)) throw new RangeError(`${what}.${key} must be a number >= 0`);
  }
  return merged;
}

interface Score {
  score: number;
  updatedAt: number;
  lastFailureAt: number;
}

/** A bounded map whose iteration order is least-recently-written first. */
class BoundedMap<V> {
  private readonly map = new Map<string, V>();
  constructor(private readonly max: number) {}
  get(key: string): V | undefined {
    return this.map.get(key);
  }
  set(key: string, value: V): void {
    this.map.delete(key);
    this.map.set(key, value);
    while (this.map.size > this.max) {
      const oldest = this.map.keys().next();
      if (oldest.done === true) break;
      this.map.delete(oldest.value);
    }
  }
  delete(key: string): void {
    this.map.delete(key);
  }
}

export class LoginLimiter {
  private readonly options: LoginLimiterOptions;
  private readonly byUser: BoundedMap<Score>;
  private readonly byAddress: BoundedMap<Score>;
  /** `username \n address` -> time of the last success from there. */
  private readonly trusted: BoundedMap<number>;

  constructor(
    private readonly clock: Clock,
    options?: Partial<LoginLimiterOptions>,
  ) {
    this.options = resolve(DEFAULT_LOGIN_LIMITS, options, 'loginLimits');
    this.byUser = new BoundedMap(this.options.maxEntries);
    this.byAddress = new BoundedMap(this.options.maxEntries);
    this.trusted = new BoundedMap(this.options.maxEntries);
  }

  /**
   * Decides whether a login attempt may run and, if so, charges it as a failure at once: a password check takes
   * tens of milliseconds, and an attacker firing guesses in parallel must not have them all pass the check before
   * the first failure is recorded. `succeeded` refunds the charge.
   */
  attempt(username: string, address: string): LimitDecision {
    const now = this.clock();
    const addressWait = this.waitMs(this.byAddress.get(address), now);
    if (addressWait > 0) return { allowed: false, retryAfterMs: addressWait };
    const trusted = this.isTrusted(username, address, now);
    if (!trusted) {
      const userWait = this.waitMs(this.byUser.get(username), now);
      if (userWait > 0) return { allowed: false, retryAfterMs: userWait };
      this.bump(this.byUser, username, now, 1);
    }
    this.bump(this.byAddress, address, now, 1);
    return { allowed: true };
  }

  /**
   * The password was right: the address gets its charge back and becomes trusted for this username, and the
   * username's count is cleared (its owner is in; a spray that goes on starts from zero, with free failures again,
   * which is the price of never locking the owner out). The address's earlier failures stay: an attacker must not
   * clear them between guesses by logging in to an account of their own.
   */
  succeeded(username: string, address: string): void {
    const now = this.clock();
    this.byUser.delete(username);
    this.trusted.set(trustKey(username, address), now);
    const entry = this.byAddress.get(address);
    if (entry !== undefined) this.byAddress.set(address, { ...entry, score: Math.max(0, this.current(entry, now) - 1), updatedAt: now });
  }

  /** A registration from `address`: its creator's address is trusted for the new username like after a login. */
  trust(username: string, address: string): void {
    this.trusted.set(trustKey(username, address), this.clock());
  }

  private isTrusted(username: string, address: string, now: number): boolean {
    const at = this.trusted.get(trustKey(username, address));
    return at !== undefined && now - at < this.options.trustMs;
  }

  private current(entry: Score | undefined, now: number): number {
    if (entry === undefined) return 0;
    const decayed = this.options.decayMs > 0 ? (now - entry.updatedAt) / this.options.decayMs : 0;
    return Math.max(0, entry.score - decayed);
  }

  private waitMs(entry: Score | undefined, now: number): number {
    if (entry === undefined) return 0;
    const score = this.current(entry, now);
    const over = Math.ceil(score - 1e-9) - this.options.freeFailures;
    if (over < 0) return 0;
    const delay = Math.min(this.options.baseDelayMs * 2 ** over, this.options.maxDelayMs);
    return Math.max(0, entry.lastFailureAt + delay - now);
  }

  private bump(map: BoundedMap<Score>, key: string, now: number, by: number): void {
    const score = this.current(map.get(key), now) + by;
    map.set(key, { score, updatedAt: now, lastFailureAt: now });
  }
}

function trustKey(username: string, address: string): string {
  return `${username}\n${address}`;
}

/** A token bucket per address for account creation. */
export class RegistrationLimiter {
  private readonly options: RegistrationLimiterOptions;
  private readonly buckets: BoundedMap<{ tokens: number; updatedAt: number }>;

  constructor(
    private readonly clock: Clock,
    options?: Partial<RegistrationLimiterOptions>,
  ) {
    this.options = resolve(DEFAULT_REGISTRATION_LIMITS, options, 'registrationLimits');
    this.buckets = new BoundedMap(this.options.maxEntries);
  }

  /** Takes one token if there is one. */
  take(address: string): LimitDecision {
    const now = this.clock();
    const { burst, refillMs } = this.options;
    const entry = this.buckets.get(address);
    const refilled = entry === undefined ? burst : Math.min(burst, entry.tokens + (refillMs > 0 ? (now - entry.updatedAt) / refillMs : burst));
    if (refilled < 1) return { allowed: false, retryAfterMs: Math.ceil((1 - refilled) * refillMs) };
    this.buckets.set(address, { tokens: refilled - 1, updatedAt: now });
    return { allowed: true };
  }
}
