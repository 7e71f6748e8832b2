import {
  ComposerDraft,
  ScrollFollow,
  attachmentKindFor,
  attachmentProblem,
  buildTimeline,
  clockTime,
  fullTimestamp,
  isNearBottom,
  mergeNewest,
  newMessagesText,
  normalizeMime,
  prependOlder,
  presenceLabel,
  statusGlyph,
  statusLabel,
  typingText,
  unreadDividerAt,
  type Conversation,
  type Message,
} from '@concord/client-core';
import { useEffect, useLayoutEffect, useMemo, useRef, useState } from 'preact/hooks';
import { errorText, type AppController } from '../app/controller.js';
import { AttachmentView } from './Attachment.js';
import { navigate, useNow, usePresence } from './hooks.js';

/** Typing stops being announced this long after the last keystroke. */
const TYPING_IDLE_MS = 3_000;

export function ChatView({ app, id }: { app: AppController; id: string }) {
  const [conv, setConv] = useState<Conversation | null>(null);
  // [WEB-WINDOW-1] pages paged in above plus the newest page, one contiguous run.
  const [messages, setMessages] = useState<readonly Message[]>([]);
  // Whether the last older page came full (so there may be more above).
  const [more, setMore] = useState(true);
  // The same list for the event handlers, which merge into what is shown now, not into a render's snapshot.
  const shownRef = useRef<readonly Message[]>([]);
  const show = (next: readonly Message[]): void => {
    shownRef.current = next;
    setMessages(next);
  };
  const [typing, setTyping] = useState<readonly string[]>([]);
  const [error, setError] = useState<string | null>(null);
  const now = useNow();

  useEffect(() => {
    let alive = true;
    const offs: (() => void)[] = [];
    let opened: Conversation | null = null;
    setConv(null);
    show([]);
    setMore(true);
    setTyping([]);
    setError(null);
    app.concord.conversation(id).then(
      (c) => {
        if (!alive) return;
        opened = c;
        setConv(c);
        show(c.messages());
        setTyping(c.typing());
        // The Conversation is cached by client-core and shared: only our listeners go away on unmount.
        offs.push(
          c.events.on('messages', (page) => {
            const shown = shownRef.current;
            const next = mergeNewest(shown, page, (before) => {
              try {
                return c.olderPage(before, 1)[0]?.id;
              } catch {
                return undefined; // closed meanwhile, or the message left the view
              }
            });
            // Started over at the newest page (a burst): what is above can be paged in again.
            if (shown.length > 0 && next[0]?.id !== shown[0]?.id) setMore(true);
            show(next);
          }),
          c.events.on('typing', (users) => setTyping(users)),
        );
      },
      (err: unknown) => alive && setError(errorText(err)),
    );
    return () => {
      alive = false;
      for (const off of offs) off();
      // Older segments paged in while scrolling up leave memory once the chat is left (SEG-7).
      if (opened !== null) {
        try {
          opened.evict();
        } catch {
          // The client closed first (logout).
        }
      }
    };
  }, [app, id]);

  // WEB-READ-1: what is on screen while the page is visible counts as read.
  useEffect(() => {
    if (conv === null) return undefined;
    const mark = (): void => {
      if (document.visibilityState === 'visible') conv.markRead().catch(() => undefined);
    };
    mark();
    document.addEventListener('visibilitychange', mark);
    return () => document.removeEventListener('visibilitychange', mark);
  }, [conv, messages]);

  const timeline = useMemo(() => buildTimeline(messages, now), [messages, now]);

  const summary = app.conversations.find((c) => c.id === id);
  const meta = conv?.meta ?? null;
  const title = summary !== undefined ? app.titleOf(summary) : meta !== null ? app.titleOf(meta) : 'Conversation';
  // WEB-PRES-1: under a direct chat's title, whether the other person is online or when they were last.
  const partner = summary?.kind === 'direct' ? (summary.members.find((m) => m !== app.me?.userId) ?? null) : null;
  const partnerPresence = usePresence(app, partner);
  const presence = partner === null ? '' : presenceLabel(partnerPresence, now);
  const isGroup = (summary?.kind ?? meta?.kind) === 'group';

  const list = useRef<HTMLOListElement>(null);
  // WEB-SCROLL-1 (VIEW-9, client-core's ScrollFollow): the view follows the newest message while it is at the
  // bottom (or the user just sent one); scrolled up, it stays put and counts what arrived below, offered by the
  // "jump to latest" button. `render` re-renders when the follower's state changes.
  const [scroll, setScroll] = useState(() => new ScrollFollow());
  const [, render] = useState(0);
  const rerender = (): void => render((n) => n + 1);
  // The unread count when the chat opened: the "N new messages" divider goes above the first of them.
  const [unreadAtOpen, setUnreadAtOpen] = useState<{ id: string; count: number } | null>(null);
  useEffect(() => {
    setUnreadAtOpen(null);
    setScroll(new ScrollFollow());
  }, [id]);
  useEffect(() => {
    if (unreadAtOpen !== null || messages.length === 0) return;
    const count = summary?.unread ?? 0;
    setUnreadAtOpen({ id: unreadDividerAt(messages, count), count });
  }, [messages, unreadAtOpen, summary]);
  const toBottom = (): void => {
    const el = list.current;
    if (el !== null) el.scrollTop = el.scrollHeight;
  };
  useLayoutEffect(() => {
    if (scroll.shown(messages[messages.length - 1])) toBottom();
    rerender();
  }, [timeline, scroll]);

  const loadOlder = (): void => {
    const first = messages[0];
    if (conv === null || first === undefined) return;
    // Pages older segments in from local storage, or from the server when this device does not hold them (SEG-5).
    conv.loadOlder(first.id).then(
      (page) => {
        scroll.pagedUp();
        setMore(page.length >= 50);
        show(prependOlder(shownRef.current, page, first.id));
      },
      () => {
        // Closed meanwhile.
      },
    );
  };

  return (
    <section class="chat" aria-labelledby="chat-title">
      <header class="chat-header">
        <button type="button" class="back" onClick={() => navigate('#/')} aria-label="Back to conversations">
          ←
        </button>
        <div class="chat-title">
          <h2 id="chat-title">{title}</h2>
          {presence !== '' && (
            <p class="presence" data-testid="presence" data-online={partnerPresence.online ? 'true' : 'false'}>
              {presence}
            </p>
          )}
        </div>
        {summary !== undefined && (
          <button type="button" class="small" onClick={() => void app.concord.setPinned(id, !summary.pinned)} aria-pressed={summary.pinned}>
            {summary.pinned ? 'Unpin' : 'Pin'}
          </button>
        )}
        {summary?.kind === 'group' && (
          <button
            type="button"
            class="small"
            onClick={() => {
              if (!window.confirm(`Leave "${title}"? Its history is removed from your devices.`)) return;
              // MEMBER-1: the server's mirror removes it from the list on every device of the account.
              app.concord.leaveConversation(id).then(
                () => navigate('#/'),
                (err: unknown) => setError(errorText(err)),
              );
            }}
          >
            Leave
          </button>
        )}
      </header>
      {error !== null && (
        <p class="error" role="alert">
          {error}
        </p>
      )}
      <ol
        class="messages"
        ref={list}
        aria-label={`Messages with ${title}`}
        aria-live="polite"
        tabIndex={0}
        onScroll={(e) => {
          const el = e.currentTarget;
          const below = scroll.below;
          if (scroll.scrolled(isNearBottom(el.scrollHeight, el.scrollTop, el.clientHeight)) || below !== scroll.below) rerender();
        }}
        // Images and players grow once their bytes are in: at the bottom, stay at the bottom.
        onLoadCapture={() => {
          if (scroll.following) toBottom();
        }}
        onLoadedMetadataCapture={() => {
          if (scroll.following) toBottom();
        }}
      >
        {conv !== null && messages.length >= 50 && more && (
          <li class="older">
            <button type="button" class="link" onClick={loadOlder}>
              Load older messages
            </button>
          </li>
        )}
        {timeline.map((item) => [
          item.kind === 'message' && unreadAtOpen !== null && unreadAtOpen.count > 0 && item.message.id === unreadAtOpen.id ? (
            <li key="unread-divider" class="unread-divider" role="separator" data-testid="unread-divider">
              {newMessagesText(unreadAtOpen.count)}
            </li>
          ) : null,
          item.kind === 'time' ? (
            <li key={item.key} class={item.newDay ? 'time-label day' : 'time-label'} role={item.newDay ? 'separator' : undefined} aria-label={item.newDay ? item.label : undefined}>
              <time dateTime={new Date(item.at).toISOString()}>{item.label}</time>
            </li>
          ) : (
            <MessageBubble key={item.key} app={app} conv={conv} m={item.message} showAuthor={isGroup && item.firstOfRun && !item.message.own} />
          ),
        ])}
      </ol>
      {!scroll.following && (
        <button
          type="button"
          class="jump-latest"
          data-testid="jump-latest"
          onClick={() => {
            scroll.jump();
            toBottom();
            rerender();
          }}
        >
          {scroll.jumpText()}
        </button>
      )}
      <p class="typing" aria-live="polite" data-testid="typing">
        {typingText(typing.map((u) => app.nameOf(u)))}
      </p>
      {conv !== null && <Composer key={id} conv={conv} draft={summary?.draft ?? ''} saveDraft={(text) => app.concord.setDraft(id, text)} />}
    </section>
  );
}

function MessageBubble({ app, conv, m, showAuthor }: { app: AppController; conv: Conversation | null; m: Message; showAuthor: boolean }) {
  const st = m.own && m.status !== undefined ? { glyph: statusGlyph(m.status), label: statusLabel(m.status) } : null;
  const [retrying, setRetrying] = useState(false);
  const attachment = m.deleted ? undefined : m.attachment;
  // An attachment's body is a caption at most: shown only when it says more than the file name.
  const caption = attachment === undefined || (m.body.trim() !== '' && m.body !== attachment.name);
  return (
    <li class={m.own ? 'msg own' : 'msg'} data-message-id={m.id} data-status={m.status ?? undefined} data-author={m.author}>
      <div class="bubble">
        {showAuthor && <span class="author">{app.nameOf(m.author)}</span>}
        {attachment !== undefined && <AttachmentView app={app} m={m} />}
        {caption && <span class="body">{m.deleted ? <em>message deleted</em> : m.body}</span>}
        <span class="meta">
          <time dateTime={new Date(m.sentAt).toISOString()} title={fullTimestamp(m.sentAt)}>
            {clockTime(m.sentAt)}
          </time>
          {m.edited && !m.deleted && <span class="edited">edited</span>}
          {st !== null && (
            <span class={`tick tick-${m.status}`} data-testid="status" role="img" aria-label={st.label} title={m.failureReason ? `${st.label}: ${m.failureReason}` : st.label}>
              {st.glyph}
            </span>
          )}
        </span>
      </div>
      {m.status === 'failed' && conv !== null && (
        <button
          type="button"
          class="retry"
          disabled={retrying}
          onClick={() => {
            setRetrying(true);
            conv.retry(m.id).catch(() => setRetrying(false));
          }}
        >
          Retry sending
        </button>
      )}
    </li>
  );
}

/**
 * WEB-DRAFT-1: what is typed and not sent is the conversation's draft: shown in the list, kept across reloads and
 * devices, cleared by sending. The stored draft fills the box only until the user types here (a draft arriving
 * from another device never overwrites what is being typed).
 */
function Composer({ conv, draft, saveDraft }: { conv: Conversation; draft: string; saveDraft: (text: string) => Promise<void> }) {
  // VIEW-7: client-core's ComposerDraft decides when the draft is written (after a pause, on leave, cleared by
  // sending) and when a stored draft may replace the text; the box shows `composer.text`.
  const [composer] = useState(() => new ComposerDraft(draft, saveDraft));
  const [text, setText] = useState(draft);
  const [error, setError] = useState<string | null>(null);
  const idle = useRef<ReturnType<typeof setTimeout> | null>(null);
  const input = useRef<HTMLTextAreaElement>(null);

  // The list (and with it the stored draft) may load after the chat opened.
  useEffect(() => composer.stored(draft), [draft]);

  useEffect(() => {
    input.current?.focus();
    const offChanged = composer.onChanged(setText);
    const onHide = (): void => composer.flush();
    window.addEventListener('pagehide', onHide);
    return () => {
      window.removeEventListener('pagehide', onHide);
      offChanged();
      if (idle.current !== null) clearTimeout(idle.current);
      composer.close();
      try {
        conv.setTyping(false);
      } catch {
        // Client closed (logout).
      }
    };
  }, [conv]);

  const edit = (value: string): void => {
    composer.edit(value);
    setText(value);
  };

  const stopTyping = (): void => {
    if (idle.current !== null) clearTimeout(idle.current);
    idle.current = null;
    conv.setTyping(false);
  };

  const fileInput = useRef<HTMLInputElement>(null);
  const [attaching, setAttaching] = useState(false);

  /**
   * WEB-ATTACH-1: each picked file becomes one message (ATTACH-1 stores it locally and uploads it when online), in
   * the order picked; the first refusal stops the rest and shows in the error line.
   */
  const attach = async (files: readonly File[]): Promise<void> => {
    if (files.length === 0) return;
    setAttaching(true);
    try {
      for (const file of files) {
        const problem = attachmentProblem(file.name, file.size);
        if (problem !== null) throw new Error(problem);
        const mime = normalizeMime(file.type);
        const bytes = new Uint8Array(await file.arrayBuffer());
        await conv.sendAttachment(bytes, { type: attachmentKindFor(mime), name: file.name, mime });
      }
      setError(null);
    } catch (err) {
      setError(errorText(err));
    } finally {
      setAttaching(false);
      input.current?.focus();
    }
  };

  const send = async (): Promise<void> => {
    const body = text;
    if (body.trim() === '') return;
    composer.sent();
    setText('');
    stopTyping();
    try {
      await conv.send(body);
      setError(null);
    } catch (err) {
      composer.sendFailed(body);
      setError(errorText(err));
    }
  };

  return (
    <form
      class="composer"
      onSubmit={(e) => {
        e.preventDefault();
        void send();
      }}
    >
      <input
        ref={fileInput}
        type="file"
        multiple
        class="visually-hidden"
        tabIndex={-1}
        aria-hidden="true"
        aria-label="Files to attach"
        data-testid="attach-input"
        onChange={(e) => {
          const picked = [...(e.currentTarget.files ?? [])];
          // Cleared so picking the same file again is a change too.
          e.currentTarget.value = '';
          void attach(picked);
        }}
      />
      <button type="button" class="attach" aria-label="Attach a file" title="Attach a file" disabled={attaching} onClick={() => fileInput.current?.click()}>
        Attach
      </button>
      <label for="composer-input" class="visually-hidden">
        Message
      </label>
      <textarea
        id="composer-input"
        ref={input}
        rows={1}
        value={text}
        placeholder="Write a message"
        aria-describedby={error !== null ? 'composer-error' : undefined}
        onInput={(e) => {
          edit(e.currentTarget.value);
          conv.setTyping(e.currentTarget.value !== '');
          if (idle.current !== null) clearTimeout(idle.current);
          idle.current = setTimeout(stopTyping, TYPING_IDLE_MS);
        }}
        onKeyDown={(e) => {
          // WEB-A11Y-2: Enter sends, Shift+Enter starts a new line; IME composition is left alone.
          if (e.key === 'Enter' && !e.shiftKey && !e.isComposing) {
            e.preventDefault();
            void send();
          }
        }}
      />
      <button type="submit" class="primary" disabled={text.trim() === ''}>
        Send
      </button>
      {error !== null && (
        <p id="composer-error" class="error" role="alert">
          {error}
        </p>
      )}
    </form>
  );
}
