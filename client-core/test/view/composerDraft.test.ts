/*
 * The composer's draft rules (HAPP-DRAFT-1) on fake timers: when the facade writes, what it skips, and when a stored
 * draft may replace the composer text. The end-to-end side (the user doc, the list on two devices, reopening) is in
 * facade.e2e.test.ts.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { ComposerDraft, DRAFT_SAVE_MS } from '../../src/view/index.js';

const MAX = 20;

function draft(stored = '', fail = false): { d: ComposerDraft; writes: string[]; shown: string[] } {
  const writes: string[] = [];
  const shown: string[] = [];
  const d = new ComposerDraft(
    stored,
    async (text) => {
      writes.push(text);
      if (fail) throw new Error('client closed');
    },
    MAX,
  );
  d.onChanged((text) => shown.push(text));
  return { d, writes, shown };
}

/** Types `text` one character at a time, `gapMs` apart. */
function type(d: ComposerDraft, text: string, gapMs: number, from = d.text): void {
  for (let i = 1; i <= text.length; i++) {
    d.edit(from + text.slice(0, i));
    vi.advanceTimersByTime(gapMs);
  }
}

beforeEach(() => {
  vi.useFakeTimers();
});
afterEach(() => {
  vi.useRealTimers();
});

describe('HAPP-DRAFT-1: the composer text is written as the draft after a pause', () => {
  it('one write per pause, DRAFT_SAVE_MS after the last edit, not one per key', () => {
    const { d, writes } = draft();
    type(d, 'half a thought', 120);
    expect(writes).toEqual([]);
    vi.advanceTimersByTime(DRAFT_SAVE_MS - 120 - 1);
    expect(writes).toEqual([]);
    vi.advanceTimersByTime(1);
    expect(writes).toEqual(['half a thought']);
    // A second burst after the pause is a second write.
    type(d, '!!', 50);
    vi.advanceTimersByTime(DRAFT_SAVE_MS);
    expect(writes).toEqual(['half a thought', 'half a thought!!']);
    expect(d.text).toBe('half a thought!!');
  });

  it('skips the write when the text after the pause is what is stored', () => {
    const { d, writes } = draft('stored');
    d.edit('stored!');
    d.edit('stored');
    vi.advanceTimersByTime(DRAFT_SAVE_MS * 2);
    expect(writes).toEqual([]);
    d.edit('stored?');
    vi.advanceTimersByTime(DRAFT_SAVE_MS);
    d.flush();
    d.close();
    expect(writes).toEqual(['stored?']);
  });

  it('an edit that only echoes the text shown (the page setting its field) is not typing: no write, no pause restarted', () => {
    const { d, writes } = draft('from the list');
    d.edit('from the list');
    vi.advanceTimersByTime(DRAFT_SAVE_MS);
    expect(writes).toEqual([]);
    // Not typing, so a stored draft arriving later is still taken.
    d.stored('from another device');
    expect(d.text).toBe('from another device');
  });

  it('flush and close write a pending edit at once; nothing is written after close', () => {
    const { d, writes } = draft();
    d.edit('a');
    d.flush();
    expect(writes).toEqual(['a']);
    vi.advanceTimersByTime(DRAFT_SAVE_MS);
    expect(writes).toEqual(['a']); // the pause's timer finds nothing pending
    d.edit('ab');
    d.close();
    expect(writes).toEqual(['a', 'ab']);
    d.edit('abc');
    d.flush();
    vi.advanceTimersByTime(DRAFT_SAVE_MS);
    expect(writes).toEqual(['a', 'ab']);
  });

  it('takes the stored draft (list loaded later, another device) until the user types here, and tells the page', () => {
    const { d, writes, shown } = draft();
    expect(d.text).toBe('');
    d.stored('typed on the phone');
    expect(d.text).toBe('typed on the phone');
    expect(shown).toEqual(['typed on the phone']);
    d.stored('typed on the phone'); // every list change repeats it: not a change
    d.stored('');
    expect(shown).toEqual(['typed on the phone', '']);
    d.edit('mine');
    d.stored('typed on the tablet');
    expect(d.text).toBe('mine');
    expect(shown).toEqual(['typed on the phone', '']);
    vi.advanceTimersByTime(DRAFT_SAVE_MS);
    expect(writes).toEqual(['mine']);
  });

  it('sending clears the draft at once (no write when none was stored), a failed send puts the text back and re-saves it', () => {
    const { d, writes, shown } = draft('stored');
    d.sent();
    expect(d.text).toBe('');
    expect(writes).toEqual(['']);
    // Typed and sent within the pause: nothing was stored, so clearing writes nothing.
    d.edit('quick');
    d.sent();
    vi.advanceTimersByTime(DRAFT_SAVE_MS);
    expect(writes).toEqual(['']);
    d.sendFailed('quick');
    expect(d.text).toBe('quick');
    expect(shown).toEqual(['quick']);
    expect(writes).toEqual(['']);
    vi.advanceTimersByTime(DRAFT_SAVE_MS);
    expect(writes).toEqual(['', 'quick']);
  });

  it('writes at most maxLength code units (the server refuses longer drafts), never half a surrogate pair', () => {
    const { d, writes } = draft();
    d.edit('x'.repeat(MAX + 5));
    d.flush();
    d.edit(`${'y'.repeat(MAX - 1)}😀z`);
    d.flush();
    expect(writes).toEqual(['x'.repeat(MAX), 'y'.repeat(MAX - 1)]);
    expect(d.text).toBe(`${'y'.repeat(MAX - 1)}😀z`);
    // Still the same clipped draft: nothing to write.
    d.edit(`${'y'.repeat(MAX - 1)}😀zz`);
    d.flush();
    expect(writes).toHaveLength(2);
  });

  it('a failed write is not taken as stored: the next flush writes the text again', async () => {
    const { d, writes } = draft('', true);
    d.edit('x');
    d.flush();
    await vi.runAllTimersAsync();
    d.flush();
    await vi.runAllTimersAsync();
    expect(writes).toEqual(['x', 'x']);
  });
});
