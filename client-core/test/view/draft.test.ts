import { describe, expect, it } from 'vitest';
import { MAX_MESSAGE_LENGTH } from '@concord/protocol';
import { storedDraft } from '../../src/view/index.js';

describe('storedDraft', () => {
  it('[WEB-DRAFT-1] a draft within the message limit is stored as typed', () => {
    expect(storedDraft('half a thought 👋')).toBe('half a thought 👋');
    const full = 'x'.repeat(MAX_MESSAGE_LENGTH);
    expect(storedDraft(full)).toBe(full);
  });

  it('[WEB-DRAFT-1] a longer draft is cut to the limit the server accepts, never inside an emoji', () => {
    expect(storedDraft('y'.repeat(MAX_MESSAGE_LENGTH + 10))).toHaveLength(MAX_MESSAGE_LENGTH);
    // The emoji's two code units straddle the limit: both go.
    const straddling = 'a'.repeat(MAX_MESSAGE_LENGTH - 1) + '👋' + 'tail';
    const cut = storedDraft(straddling);
    expect(cut).toBe('a'.repeat(MAX_MESSAGE_LENGTH - 1));
    expect(cut.length).toBeLessThanOrEqual(MAX_MESSAGE_LENGTH);
    expect(storedDraft('ab👋cd', 4)).toBe('ab👋');
    expect(storedDraft('abc👋d', 4)).toBe('abc');
  });
});
