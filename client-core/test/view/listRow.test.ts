import { describe, expect, it } from 'vitest';
import type { ConversationSummaryView, LastMessage } from '../../src/index.js';
import { conversationRow, WORDS_ZH } from '../../src/view/index.js';

const at = (y: number, mo: number, d: number, h = 0, mi = 0): number => new Date(y, mo - 1, d, h, mi).getTime();
const NOW = at(2025, 6, 18, 15, 30);
const names = (id: string): string => (id === 'u2' ? 'Bo' : id);

function summary(over: Partial<ConversationSummaryView>, last: LastMessage | null): ConversationSummaryView {
  return { id: 'c1', kind: 'direct', title: '', members: ['u1', 'u2'], lastMessage: last, lastActivity: last?.sentAt ?? 0, unread: 0, pinned: false, muted: false, draft: '', ...over } as ConversationSummaryView;
}
const last = (author: string, body: string, sentAt: number): LastMessage => ({ id: `${author}-1`, author, type: 'text', body, sentAt });

describe('conversation list rows', () => {
  it('[VIEW-6] a row: preview, humanized time, badge, flags; its version changes with what it shows', () => {
    const row = conversationRow(summary({ unread: 120, pinned: true }, last('u2', 'hi\nthere', NOW - 5 * 60_000)), 'Bo', 'u1', names, NOW);
    expect([row.key, row.title, row.preview, row.timeText, row.badge, row.pinned, row.muted]).toEqual(['c1', 'Bo', 'hi there', '5 min ago', '99+', true, false]);
    const read = conversationRow(summary({ unread: 0, pinned: true }, last('u2', 'hi\nthere', NOW - 5 * 60_000)), 'Bo', 'u1', names, NOW);
    expect(read.badge).toBe('');
    expect(read.version).not.toBe(row.version);
  });

  it('[VIEW-6] own last messages read "You: …", a group names the author, a draft wins over both (blank drafts do not)', () => {
    expect(conversationRow(summary({}, last('u1', 'sent', NOW)), 'Bo', 'u1', names, NOW).preview).toBe('You: sent');
    expect(conversationRow(summary({ kind: 'group' }, last('u2', 'yo', NOW)), 'G', 'u1', names, NOW).preview).toBe('Bo: yo');
    expect(conversationRow(summary({ draft: 'half\n a thought' }, last('u2', 'yo', NOW)), 'Bo', 'u1', names, NOW).preview).toBe('Draft: half a thought');
    expect(conversationRow(summary({ draft: '  \n' }, last('u2', 'yo', NOW)), 'Bo', 'u1', names, NOW).preview).toBe('yo');
    expect(conversationRow(summary({ draft: 'x' }, null), 'Bo', 'u1', names, NOW, WORDS_ZH).preview).toBe('[草稿] x');
    expect(conversationRow(summary({}, null), 'Bo', 'u1', names, NOW).preview).toBe('No messages yet');
  });
});
