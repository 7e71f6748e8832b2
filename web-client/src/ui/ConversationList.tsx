import { badgeLabel, conversationRow, fullTimestamp, type ConversationSummaryView } from '@concord/client-core';
import type { AppController } from '../app/controller.js';
import { useNow } from './hooks.js';

/** WEB-LIST-1: pinned first, then by activity (the order client-core gives), with badge, preview and time. */
export function ConversationList({ app, activeId }: { app: AppController; activeId: string | null }) {
  const now = useNow();
  const list = app.conversations;
  if (list.length === 0) {
    return <p class="empty">No conversations yet. Start one with “New chat”.</p>;
  }
  return (
    <ul class="conv-list" aria-label="Conversations">
      {list.map((c) => (
        <ConversationRow key={c.id} app={app} c={c} now={now} active={c.id === activeId} />
      ))}
    </ul>
  );
}

function ConversationRow({ app, c, now, active }: { app: AppController; c: ConversationSummaryView; now: number; active: boolean }) {
  // VIEW-6: the same row the harmony app renders (preview, time, badge).
  const row = conversationRow(c, app.titleOf(c), app.me?.userId ?? '', (u) => app.nameOf(u), now);
  const title = row.title;
  return (
    <li data-conversation-id={c.id} data-unread={c.unread} class={active ? 'active' : undefined}>
      <a href={`#/c/${encodeURIComponent(c.id)}`} aria-current={active ? 'page' : undefined} aria-label={`${title}, ${badgeLabel(c.unread)}`}>
        <span class="avatar" aria-hidden="true">
          {initials(title)}
        </span>
        <span class="conv-main">
          <span class="conv-top">
            <span class="conv-title">
              {c.pinned && (
                <span class="pin" title="Pinned" aria-label="Pinned">
                  ★{' '}
                </span>
              )}
              {title}
            </span>
            <time class="conv-time" dateTime={new Date(c.lastActivity).toISOString()} title={fullTimestamp(c.lastActivity)}>
              {row.timeText}
            </time>
          </span>
          <span class="conv-bottom">
            <span class="preview">{row.preview}</span>
            {row.badge !== '' && (
              <span class={c.muted ? 'badge muted' : 'badge'} data-testid="badge" aria-hidden="true">
                {row.badge}
              </span>
            )}
          </span>
        </span>
      </a>
    </li>
  );
}

export function initials(name: string): string {
  const parts = name.trim().split(/[\s,]+/).filter((p) => p !== '');
  const letters = parts.slice(0, 2).map((p) => [...p][0] ?? '');
  return letters.join('').toUpperCase() || '?';
}
