import { describe, expect, it } from 'vitest';
import { NotificationPlanner, asConversationId, type ConversationSummaryView, type LastMessage, type NotificationWords } from '../src/index.js';

const ME = 'u_me';
const words: NotificationWords = {
  chatTitle: (c) => (c.title === '' ? 'Direct' : c.title),
  authorName: (id) => ({ u_ana: 'Ana', u_bo: 'Bo' })[id] ?? id,
  preview: (m) => (m.attachment !== undefined ? `[Image] ${m.body}` : m.body),
  groupTitle: (author, chat) => `${author} in ${chat}`,
  hidden: 'New message',
};

function last(id: string, author: string, body: string, sentAt = 2_000, extra: Partial<LastMessage> = {}): LastMessage {
  return { id, author, type: 'text', body, sentAt, ...extra };
}
function conv(id: string, lastMessage: LastMessage | null, unread: number, more: Partial<ConversationSummaryView> = {}): ConversationSummaryView {
  return { id: asConversationId(id), kind: 'direct', title: '', members: [ME, 'u_ana'], lastMessage, lastActivity: lastMessage?.sentAt ?? 0, unread, pinned: false, muted: false, draft: '', unreadMentions: 0, notify: unread > 0, ...more };
}
const away = { me: ME, foreground: false, openConversationId: null };

describe('notification planner', () => {
  it('[NOTIFY-1] a new message from someone else notifies once; history from before the start and own messages do not', () => {
    const p = new NotificationPlanner(words, 1_000);
    // Already there when the app started: history, not news.
    expect(p.step([conv('c1', last('m0', 'u_ana', 'old', 500), 1)], away).show).toEqual([]);
    const s = p.step([conv('c1', last('m1', 'u_ana', 'hello'), 2)], away);
    expect(s.show).toEqual([{ conversationId: 'c1', messageId: 'm1', title: 'Direct', body: 'hello', mention: false }]);
    // The same snapshot again (a receipt, a draft change) is not a second notification.
    expect(p.step([conv('c1', last('m1', 'u_ana', 'hello'), 2)], away).show).toEqual([]);
    expect(p.step([conv('c1', last('m2', ME, 'mine'), 0)], away).show).toEqual([]);
  });

  it('[NOTIFY-1] an app in the foreground notifies nothing; a chat open in the background does notify', () => {
    const p = new NotificationPlanner(words, 0);
    p.step([conv('c1', null, 0)], away);
    const looking = { me: ME, foreground: true, openConversationId: 'c1' };
    expect(p.step([conv('c1', last('m1', 'u_ana', 'hi'), 1)], looking).show).toEqual([]);
    const onList = { me: ME, foreground: true, openConversationId: null };
    expect(p.step([conv('c1', last('m1b', 'u_ana', 'on the list'), 1)], onList).show).toEqual([]);
    const hidden = { me: ME, foreground: false, openConversationId: 'c1' };
    expect(p.step([conv('c1', last('m2', 'u_ana', 'there?'), 2)], hidden).show.map((n) => n.messageId)).toEqual(['m2']);
  });

  it('[NOTIFY-2] one per conversation, cleared when the chat is read here or on another device, or leaves the list', () => {
    const p = new NotificationPlanner(words, 0);
    const a = p.step([conv('c1', last('m1', 'u_ana', 'one'), 1), conv('c2', last('n1', 'u_bo', 'two'), 1)], away);
    expect(a.show.map((n) => n.conversationId)).toEqual(['c1', 'c2']);
    expect(a.clear).toEqual([]);
    // Read on another device: unread drops to 0 with no new message.
    const b = p.step([conv('c1', last('m1', 'u_ana', 'one'), 0), conv('c2', last('n1', 'u_bo', 'two'), 1)], away);
    expect(b.clear).toEqual(['c1']);
    expect(p.step([conv('c1', last('m1', 'u_ana', 'one'), 0)], away).clear).toEqual(['c2']);
    // Nothing to clear twice.
    expect(p.step([conv('c1', last('m1', 'u_ana', 'one'), 0)], away).clear).toEqual([]);
  });

  it('[NOTIFY-2] a group notification names the sender and the group', () => {
    const p = new NotificationPlanner(words, 0);
    const s = p.step([conv('g1', last('m1', 'u_bo', 'standup?'), 1, { kind: 'group', title: 'Team' })], away);
    expect(s.show[0]?.title).toBe('Bo in Team');
  });

  it('[NOTIFY-3] a muted chat stays silent unless the message mentions the user', () => {
    const p = new NotificationPlanner(words, 0);
    expect(p.step([conv('c1', last('m1', 'u_ana', 'hi'), 1, { muted: true })], away).show).toEqual([]);
    const mention = { ...last('m2', 'u_ana', '@me look'), mentionsMe: true } as LastMessage;
    const s = p.step([conv('c1', mention, 2, { muted: true })], away);
    expect(s.show).toEqual([{ conversationId: 'c1', messageId: 'm2', title: 'Direct', body: '@me look', mention: true }]);
  });

  it('[NOTIFY-4] notifications off shows nothing; previews off hides the text', () => {
    const p = new NotificationPlanner(words, 0);
    expect(p.step([conv('c1', last('m1', 'u_ana', 'secret'), 1)], away, { enabled: false, preview: true }).show).toEqual([]);
    const s = p.step([conv('c1', last('m2', 'u_ana', 'secret'), 2)], away, { enabled: true, preview: false });
    expect(s.show[0]?.body).toBe('New message');
  });

  it('[NOTIFY-5] the badge counts unread messages of chats that are not muted', () => {
    const p = new NotificationPlanner(words, 0);
    const s = p.step([conv('c1', last('m1', 'u_ana', 'a'), 3), conv('c2', last('n1', 'u_bo', 'b'), 4, { muted: true })], away);
    expect(s.badge).toBe(3);
  });

  it('[NOTIFY-1] reset forgets the previous account', () => {
    const p = new NotificationPlanner(words, 0);
    p.step([conv('c1', last('m1', 'u_ana', 'a'), 1)], away);
    p.reset();
    expect(p.step([conv('c1', last('m1', 'u_ana', 'a'), 1)], away).show.map((n) => n.messageId)).toEqual(['m1']);
  });
});
