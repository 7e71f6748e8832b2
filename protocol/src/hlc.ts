/**
 * Hybrid logical clock (SPEC.md, HLC-*). A stamp is wall-clock milliseconds plus a counter, encoded as a fixed-width
 * base-36 string so that string order is time order: 9 digits of milliseconds (good until the year 5138) and 4 of
 * counter. Display order is (hlc, author, id); Y.Array positions are never used for order.
 */

export type Hlc = string & { readonly __brand: 'Hlc' };

const MS_DIGITS = 9;
const COUNTER_DIGITS = 4;
const MAX_COUNTER = 36 ** COUNTER_DIGITS - 1;
const HLC_PATTERN = /^[0-9a-z]{9}[0-9a-z]{4}$/;

/**
 * [HLC-2] How far ahead of the receiver's wall clock a stamp may be. The server refuses stamps further ahead of its
 * own clock, and a device never lets a remote stamp move its clock further ahead of its own: one far-future stamp
 * must not push every later message of the device into another century (or past the encoding's last millisecond).
 * An hour covers boards whose clock drifted without NTP; beyond it a device must fix its clock to send.
 */
export const MAX_HLC_SKEW_MS = 60 * 60 * 1000;

export function isHlc(value: unknown): value is Hlc {
  return typeof value === 'string' && HLC_PATTERN.test(value);
}

export function encodeHlc(ms: number, counter: number): Hlc {
  return (ms.toString(36).padStart(MS_DIGITS, '0') + counter.toString(36).padStart(COUNTER_DIGITS, '0')) as Hlc;
}

export function decodeHlc(hlc: Hlc): { ms: number; counter: number } {
  return { ms: parseInt(hlc.slice(0, MS_DIGITS), 36), counter: parseInt(hlc.slice(MS_DIGITS), 36) };
}

/** [HLC-2] Whether a stamp is more than MAX_HLC_SKEW_MS ahead of the wall clock `now` (milliseconds). */
export function isTooFarAhead(hlc: Hlc, now: number): boolean {
  return decodeHlc(hlc).ms > now + MAX_HLC_SKEW_MS;
}

/**
 * [HLC-1] A clock that never goes backwards: each stamp is greater than every stamp this clock issued or observed.
 * A device whose wall clock is behind still sorts its reply after the message it answers.
 */
export class HybridClock {
  private ms = 0;
  private counter = 0;
  /** Server wall clock minus this device's, from the last WELCOME (HLC-2); 0 until one arrived. */
  private offset = 0;

  constructor(private readonly wall: () => number) {}

  /**
   * [HLC-2] The server's wall clock `serverTime` (0: unknown) as seen now: stamps then follow the server's time, so a
   * board whose clock is off (no RTC battery, no NTP) neither sorts its messages into the past nor has them refused as
   * too far ahead.
   */
  setReferenceTime(serverTime: number): void {
    if (serverTime > 0 && Number.isSafeInteger(serverTime)) this.offset = serverTime - Math.floor(this.wall());
  }

  /** This device's best estimate of true time. */
  private now(): number {
    return Math.floor(this.wall()) + this.offset;
  }

  /** [ACT-2] This device's best estimate of true time (the server's clock, once a WELCOME set the offset). */
  trueNow(): number {
    return this.now();
  }

  /** A new stamp for a local event. */
  tick(): Hlc {
    const wall = this.now();
    if (wall > this.ms) {
      this.ms = wall;
      this.counter = 0;
    } else if (this.counter < MAX_COUNTER) {
      this.counter++;
    } else {
      // The counter is exhausted within one millisecond: borrow the next millisecond rather than repeat a stamp.
      this.ms++;
      this.counter = 0;
    }
    return encodeHlc(this.ms, this.counter);
  }

  /**
   * Take a remote stamp into account so the next local stamp sorts after it. [HLC-2] A stamp more than
   * MAX_HLC_SKEW_MS ahead of this device's estimate of true time counts as that bound: a hostile or broken peer
   * cannot drag this clock further (its own message still sorts where its stamp says).
   */
  observe(stamp: Hlc): void {
    const decoded = decodeHlc(stamp);
    const limit = this.now() + MAX_HLC_SKEW_MS;
    const ms = Math.min(decoded.ms, limit);
    const counter = decoded.ms > limit ? 0 : decoded.counter;
    if (ms > this.ms || (ms === this.ms && counter > this.counter)) {
      this.ms = ms;
      this.counter = counter;
    }
  }
}
