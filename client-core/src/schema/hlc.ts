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

export function isHlc(value: unknown): value is Hlc {
  return typeof value === 'string' && HLC_PATTERN.test(value);
}

export function encodeHlc(ms: number, counter: number): Hlc {
  return (ms.toString(36).padStart(MS_DIGITS, '0') + counter.toString(36).padStart(COUNTER_DIGITS, '0')) as Hlc;
}

export function decodeHlc(hlc: Hlc): { ms: number; counter: number } {
  return { ms: parseInt(hlc.slice(0, MS_DIGITS), 36), counter: parseInt(hlc.slice(MS_DIGITS), 36) };
}

/**
 * [HLC-1] A clock that never goes backwards: each stamp is greater than every stamp this clock issued or observed.
 * A device whose wall clock is behind still sorts its reply after the message it answers.
 */
export class HybridClock {
  private ms = 0;
  private counter = 0;

  constructor(private readonly now: () => number) {}

  /** A new stamp for a local event. */
  tick(): Hlc {
    const wall = Math.floor(this.now());
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

  /** Take a remote stamp into account so the next local stamp sorts after it. */
  observe(stamp: Hlc): void {
    const { ms, counter } = decodeHlc(stamp);
    if (ms > this.ms || (ms === this.ms && counter > this.counter)) {
      this.ms = ms;
      this.counter = counter;
    }
  }
}
