import { describe, expect, it } from 'vitest';
import { seededRandom, waitFor, type Source } from '../src/index.js';

describe('waitFor', () => {
  it('polls a condition until it holds, async checks included', async () => {
    const start = Date.now();
    await waitFor('100 ms to pass', () => Date.now() - start >= 100);
    let n = 0;
    await waitFor('three async checks', async () => ++n >= 3, { intervalMs: 1 });
    expect(n).toBe(3);
  });

  it('re-checks on events without polling, and fails naming what it waited for after the deadline', async () => {
    let listener = null as (() => void) | null;
    const source: Source = (notify) => {
      listener = notify;
      return () => (listener = null);
    };
    let flag = false;
    let checks = 0;
    const waiting = waitFor('the flag', () => (checks++, flag), { sources: [source] });
    await new Promise((r) => setTimeout(r, 50));
    expect(checks).toBe(1);
    flag = true;
    listener?.();
    await waiting;
    expect(listener).toBeNull();
    await expect(waitFor('never', () => false, { timeoutMs: 30, describe: () => 'last: 7' })).rejects.toThrow('timed out after 30 ms waiting for: never (last: 7)');
  });

  it("rejects with the check's own error", async () => {
    await expect(waitFor('a throwing check', () => { throw new Error('boom'); })).rejects.toThrow('boom');
  });
});

describe('seededRandom', () => {
  it('gives the same sequence for the same seed, another for another seed, always in [0, 1)', () => {
    const take = (seed: number) => Array.from({ length: 1000 }, seededRandom(seed));
    expect(take(7)).toEqual(take(7));
    expect(take(7)).not.toEqual(take(8));
    expect(take(7).every((x) => x >= 0 && x < 1)).toBe(true);
    expect(seededRandom(1)()).toBeCloseTo(0.6270739405881613, 12);
  });
});
