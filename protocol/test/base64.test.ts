/* Receipt marks' base64 (protocol/src/base64.ts) is byte-for-byte what Buffer/btoa write, so marks from every client agree. */
import { describe, expect, it } from 'vitest';
import { randomBytes } from 'node:crypto';
import { fromBase64, toBase64 } from '../src/base64.js';

describe('receipt mark base64', () => {
  it('encodes and decodes like Buffer for every length remainder', () => {
    for (let len = 0; len < 40; len++) {
      const bytes = new Uint8Array(randomBytes(len));
      const expected = Buffer.from(bytes).toString('base64');
      expect(toBase64(bytes)).toBe(expected);
      expect([...fromBase64(expected)]).toEqual([...bytes]);
    }
  });

  it('refuses what is not padded base64', () => {
    for (const bad of ['abc', 'ab=c', 'a===', '!!!!', 'AA=A']) expect(() => fromBase64(bad), bad).toThrow();
  });
});
