import { describe, expect, it } from 'vitest';
import pino from 'pino';
import { Writable } from 'node:stream';
import { RefusalLog } from '../src/sync/refusalLog.js';

function capture(): { logger: pino.Logger; lines: () => Record<string, unknown>[] } {
  const chunks: string[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _enc, done) {
      chunks.push(chunk.toString());
      done();
    },
  });
  return { logger: pino({ level: 'info' }, sink), lines: () => chunks.join('').split('\n').filter(Boolean).map((l) => JSON.parse(l) as Record<string, unknown>) };
}

describe('refusal logging', () => {
  it('[TRUST-16] a flood of refusals is one line, then one aggregated line per window, per user and code', () => {
    const { logger, lines } = capture();
    let t = 1_000;
    const log = new RefusalLog(logger, 10_000, () => t);
    for (let i = 0; i < 40_000; i++) log.note('mallory', 'conv:c', 'invalid_update', `VAL-2: junk ${i}`);
    log.note('alice', 'conv:c', 'invalid_update', 'VAL-5: once');
    expect(lines()).toHaveLength(2);
    t += 10_000;
    log.note('mallory', 'conv:c', 'invalid_update', 'VAL-2: after the window');
    const out = lines();
    expect(out).toHaveLength(4);
    expect(out[2]).toMatchObject({ msg: 'updates refused (aggregated)', user: 'mallory', refused: 39_999 });
    expect(out[3]).toMatchObject({ msg: 'update refused', user: 'mallory', reason: 'VAL-2: after the window' });
  });
});
