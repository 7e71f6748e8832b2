/**
 * Tunables of the trust rules (SPEC TRUST-*). Read once per service from its options, never from the environment.
 * The size of one update and of one frame are the sync side's (VAL-1, WIRE-4 in sync/limits.ts); these add what the
 * ownership checks need.
 */
import { MAX_MESSAGE_LENGTH } from '@concord/protocol';

export interface TrustLimits {
  /** [TRUST-9] Longest message body (and edit body, draft), in UTF-16 code units; at most SCHEMA-CONV-3's 8,000. */
  readonly maxMessageLength: number;
  /** [TRUST-10] Sustained client updates per second on one connection, and the burst a bucket holds. */
  readonly connectionUpdatesPerSecond: number;
  readonly connectionUpdateBurst: number;
  /** [TRUST-10] The same over all connections of one user (several devices, several plain sockets). */
  readonly userUpdatesPerSecond: number;
  readonly userUpdateBurst: number;
  /** [TRUST-10] Awareness updates per second per connection (typing states are chattier than updates). */
  readonly awarenessPerSecond: number;
  readonly awarenessBurst: number;
  /**
   * [TRUST-11] Refusals a connection may run up while over its rate before it is closed with 4429: an honest client
   * that is told to slow down does; one that keeps hammering costs the server decoding work for nothing.
   */
  readonly abuseDebt: number;
  /** [TRUST-8] Awareness: states per awareness update and bytes per state. */
  readonly maxAwarenessStates: number;
  readonly maxAwarenessStateBytes: number;
  /** [TRUST-13] How long a positive membership answer is reused (changes through the server apply at once). */
  readonly membershipTtlMs: number;
}

export const DEFAULT_TRUST_LIMITS: TrustLimits = {
  maxMessageLength: MAX_MESSAGE_LENGTH,
  // A person types a few messages a second at most; receipts and edits add a few more. The burst covers a device
  // flushing an offline outbox one update per message after a reconnect (the client SDK batches, but not all clients do).
  // Bots and bridges post faster than people, and a bulk import must not trip the limit; a flood still hits it
  // within a second.
  connectionUpdatesPerSecond: 200,
  connectionUpdateBurst: 1000,
  userUpdatesPerSecond: 400,
  userUpdateBurst: 2000,
  awarenessPerSecond: 20,
  awarenessBurst: 60,
  abuseDebt: 1000,
  maxAwarenessStates: 16,
  maxAwarenessStateBytes: 4096,
  // Bounds how long a membership change made behind the server's back (not mirrored into the doc) goes unnoticed.
  membershipTtlMs: 2000,
};

export function resolveTrustLimits(partial: Partial<TrustLimits> | undefined): TrustLimits {
  const limits: TrustLimits = { ...DEFAULT_TRUST_LIMITS, ...partial };
  for (const [key, value] of Object.entries(limits)) {
    if (typeof value !== 'number' || !Number.isFinite(value) || value <= 0) {
      throw new RangeError(`trust limit ${key} must be a positive number, got ${String(value)}`);
    }
  }
  if (limits.maxMessageLength > MAX_MESSAGE_LENGTH) {
    throw new RangeError(`maxMessageLength may not exceed SCHEMA-CONV-3's ${MAX_MESSAGE_LENGTH}`);
  }
  return limits;
}
