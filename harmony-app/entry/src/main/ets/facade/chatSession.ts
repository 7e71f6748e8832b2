/*
 * One open chat as its page uses it: the rows (chatRows.ts), reading while on screen (HAPP-READ-1), the header's
 * title (HAPP-NAMES-1), the composer's draft (client-core's ComposerDraft, HAPP-DRAFT-1), attachments
 * (HAPP-ATTACH-1) and staying on the newest message (client-core's ScrollFollow, HAPP-SCROLL-1). It reaches the app
 * through ChatHost only, so this module does not import the app.
 */
import { ComposerDraft, inDisplayOrder, presenceLabel, ScrollFollow, typingText } from '@concord/client-core';
import type { AttachmentSource, Concord, Conversation, DraftListener, Message, PresenceChange, ViewWords } from '@concord/client-core';
import { AttachmentError, AttachmentFailure, AttachmentMeta, AttachmentSendOptions, attachmentError } from './attachments';
import { KeyedListModel } from '../logic/listModel';
import { ChatRows } from './chatRows';
import { ChatRow } from './rows';
import { subscribe } from './listeners';

const PAGE = 50;

/** What a chat needs of the app. */
export interface ChatHost {
  readonly client: Concord;
  timeWords(): ViewWords;
  nowMs(): number;
  nameOf(userId: string): string;
  chatTitle(id: string): string;
  saveDraft(id: string, text: string): Promise<void>;
  chatVisible(id: string, visible: boolean): void;
  chatRead(id: string): Promise<void>;
  chatClosed(conv: Conversation, session: ChatSession): void;
}

export class ChatSession {
  private readonly window: ChatRows;
  private readonly scroll = new ScrollFollow();
  private exhausted = false;
  private closed = false;
  private visible = false;
  /** Others' bubbles carry their author's name (HAPP-NAMES-1); a direct chat's header already says who. */
  private readonly group: boolean;
  private readonly off: () => void;
  private readonly composer: ComposerDraft;
  private readonly host: ChatHost;
  private readonly conv: Conversation;
  /** The header: the list's title for the chat, which names the other member of a direct chat (HAPP-NAMES-1). */
  private titleText: string;
  private readonly titleListeners: ((title: string) => void)[] = [];
  /** Under the title (HAPP-STATUS-1): who is typing, else the other member's presence in a direct chat (PRES-5). */
  private statusText = '';
  private typingIds: readonly string[] = [];
  private readonly statusListeners: ((status: string) => void)[] = [];
  /** The other member of a direct chat ('' in a group or while unknown). */
  private readonly partner: string;
  private readonly offStatus: (() => void)[] = [];
  private readonly scrollListeners: ((toEnd: boolean) => void)[] = [];

  /** `draft`: the stored draft when the chat opens (HAPP-DRAFT-1); `unread`: its unread count then (the divider). */
  constructor(host: ChatHost, conv: Conversation, title: string, now: () => number, draft: string = '', group: boolean = false, unread: number = 0) {
    this.host = host;
    this.group = group;
    this.conv = conv;
    this.titleText = title;
    const id = conv.id;
    this.composer = new ComposerDraft(draft, (text: string) => host.saveDraft(id, text));
    this.window = new ChatRows(now, () => host.timeWords(), (m: Message) => (this.group && !m.own ? host.nameOf(m.author) : ''), unread);
    this.off = conv.events.on('messages', (newest: readonly Message[]) => {
      this.merge(newest);
      this.readWhileShown();
    });
    this.merge(conv.messages());
    const meta = conv.meta;
    const me = host.client.session === null ? '' : host.client.session.userId;
    let partner = '';
    if (!group && meta !== null) for (const m of meta.members) if (m !== me) partner = m;
    this.partner = partner;
    this.offStatus.push(conv.events.on('typing', (users: readonly string[]) => {
      this.typingIds = users;
      this.refreshStatus();
    }));
    if (partner.length > 0) {
      this.offStatus.push(host.client.events.on('presence', (p: PresenceChange) => {
        if (p.userId === this.partner) this.refreshStatus();
      }));
    }
    this.refreshStatus();
  }

  /** The line under the title: typing beats presence (HAPP-STATUS-1). */
  get status(): string {
    return this.statusText;
  }

  onStatusChanged(listener: (status: string) => void): () => void {
    return subscribe(this.statusListeners, listener);
  }

  /** Time passed (the page's minute tick) or the link changed: "last seen" and "online" are read again. */
  refreshStatus(): void {
    if (this.closed) return;
    const words = this.host.timeWords();
    let text = typingText(this.typingIds.map((u: string) => this.host.nameOf(u)), words);
    if (text.length === 0 && this.partner.length > 0) {
      text = presenceLabel(this.host.client.presenceOf(this.partner), this.host.nowMs());
    }
    if (text === this.statusText) return;
    this.statusText = text;
    for (const l of this.statusListeners.slice()) l(text);
  }

  /** The rows the page's LazyForEach shows. */
  get rows(): KeyedListModel<ChatRow> {
    return this.window.rows;
  }

  get id(): string {
    return this.conv.id;
  }

  get hasOlder(): boolean {
    return !this.exhausted;
  }

  get title(): string {
    return this.titleText;
  }

  /** The header's title changed (names arrived after the chat opened); returns the unsubscribe. */
  onTitleChanged(listener: (title: string) => void): () => void {
    return subscribe(this.titleListeners, listener);
  }

  /** Member names arrived (HAPP-NAMES-1): the header may name the chat now, and group bubbles show authors. */
  namesChanged(): void {
    if (this.closed) return;
    const title = this.host.chatTitle(this.conv.id);
    if (title.length > 0 && title !== this.titleText) {
      this.titleText = title;
      for (const l of this.titleListeners.slice()) l(title);
    }
    if (this.group) this.window.namesChanged();
  }

  /**
   * The chat page is on screen (shown, app in the foreground) or not: `onPageShow`/`onPageHide`, which ArkUI also
   * calls when the app goes to or comes from the background (HAPP-READ-1). While shown, what arrives counts as read
   * at once, as in the web client (WEB-READ-1); while hidden, arrivals stay unread (and notify).
   */
  setVisible(visible: boolean): void {
    this.visible = visible;
    this.host.chatVisible(this.conv.id, visible);
    this.readWhileShown();
  }

  async markRead(): Promise<void> {
    await this.conv.markRead();
    await this.host.chatRead(this.conv.id);
  }

  private readWhileShown(): void {
    if (!this.visible || this.closed) return;
    // A failure (the client closed under the page) leaves the messages unread; the next arrival or show retries.
    this.markRead().catch(() => undefined);
  }

  // ---- staying on the newest message (HAPP-SCROLL-1, client-core's ScrollFollow) ------------------------------
  /**
   * After every change of the rows: `toEnd` true when the list should scroll to its last row; the page also
   * refreshes its "jump to latest" button (`showJump`, `jumpText`).
   */
  onScroll(listener: (toEnd: boolean) => void): () => void {
    return subscribe(this.scrollListeners, listener);
  }

  /** The list scrolled; `atBottom`: its last row is on screen. */
  scrolled(atBottom: boolean): void {
    const below = this.scroll.below;
    if (this.scroll.scrolled(atBottom) || below !== this.scroll.below) this.scrollChanged(false);
  }

  /** The "jump to latest" button: back to the newest message, following again. */
  jumpToLatest(): void {
    this.scroll.jump();
    this.scrollChanged(true);
  }

  /** Whether the "jump to latest" button shows (scrolled up). */
  get showJump(): boolean {
    return !this.scroll.following;
  }

  /** `Jump to latest ↓`, or `2 new messages ↓` when messages arrived below. */
  get jumpText(): string {
    return this.scroll.jumpText(this.host.timeWords());
  }

  private scrollChanged(toEnd: boolean): void {
    for (const l of this.scrollListeners.slice()) l(toEnd);
  }

  // ---- rows ---------------------------------------------------------------------------------------------------
  /**
   * Loads the page before the oldest shown message, from local storage or, for segments this device does not
   * hold, from the server (SEG-5). False when nothing older came: at the start of the chat (then `hasOlder` turns
   * false) or offline before a segment this device does not hold (then a later scroll tries again).
   */
  async loadOlder(): Promise<boolean> {
    const first = this.window.message(0);
    if (first === undefined || this.exhausted) return false;
    const older = await this.conv.loadOlder(first.id, PAGE);
    if (older.length === 0) {
      this.exhausted = this.conv.reachedStart;
      return false;
    }
    const have = this.window.message(0);
    if (have === undefined || have.id !== first.id) return false;
    this.scroll.pagedUp();
    this.window.prepend(inDisplayOrder(older));
    return true;
  }

  /**
   * The user is back at the newest message (the list reached its end): the pages paged in above are dropped and
   * the view's older segments let go (`evict`, SEG-7), so a long scroll back does not keep its memory.
   */
  atBottom(): void {
    this.scrolled(true);
    if (this.window.length <= PAGE) return;
    try {
      this.conv.evict(PAGE);
    } catch (e) {
      return; // the client closed (logout): nothing to release
    }
    this.exhausted = false;
    this.window.keepOnly(inDisplayOrder(this.conv.messages()));
  }

  /** The newest page replaces the tail; pages already loaded above it stay (VIEW-8). */
  private merge(newest: readonly Message[]): void {
    const startedOver = this.window.merge(inDisplayOrder(newest), (id: string): string | undefined => {
      try {
        const before = this.conv.olderPage(id, 1);
        const prev = before.length > 0 ? before[before.length - 1] : undefined;
        return prev === undefined ? undefined : prev.id;
      } catch (e) {
        return undefined; // the client closed, or the page's top is not in the view any more
      }
    });
    if (startedOver) this.exhausted = false;
    const toEnd = this.scroll.shown(this.window.message(this.window.length - 1));
    this.scrollChanged(toEnd);
  }

  /**
   * The chat page was left: an edit still waiting for its pause is written now (HAPP-DRAFT-1), then stop listening
   * and let the app dispose the view (SEG-7).
   */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.composer.close();
    this.off();
    for (const off of this.offStatus.splice(0)) off();
    this.host.chatClosed(this.conv, this);
  }

  // ---- the composer's draft (HAPP-DRAFT-1) -------------------------------------------------------------------
  /** What the composer shows: the stored draft when the chat opened, then what the user typed. */
  get draft(): string {
    return this.composer.text;
  }

  /** The composer text was set from outside the keyboard (the stored draft arrived, a failed send put it back). */
  onDraftChanged(listener: DraftListener): () => void {
    return this.composer.onChanged(listener);
  }

  /** The user edited the composer: the draft is written DRAFT_SAVE_MS after the last edit, unless unchanged. */
  editDraft(text: string): void {
    this.composer.edit(text);
  }

  /** Writes an edit still waiting for its pause now (the page is hidden: the app may be stopped in the background). */
  flushDraft(): void {
    this.composer.flush();
  }

  /** The conversation list's stored draft for this chat (called by the app on every list change). */
  storedDraft(text: string): void {
    this.composer.stored(text);
  }

  /** Sends `text` and clears the draft at once; a failed send puts the text back in the composer (and the draft). */
  async send(text: string): Promise<void> {
    const t = text.trim();
    if (t.length === 0) return;
    this.composer.sent();
    try {
      await this.conv.send(t);
    } catch (e) {
      this.composer.sendFailed(text);
      throw e as Error;
    }
  }

  async retry(messageId: string): Promise<void> {
    await this.conv.retry(messageId);
  }

  // ---- attachments (HAPP-ATTACH-1) ---------------------------------------------------------------------------
  /**
   * Sends picked bytes as an image, file or voice message (client-core ATTACH-1): written at once like a text, the
   * bytes uploaded when online. Refusals are an AttachmentError (too big, empty, anything else).
   * HAPP-ATTACH-2: a picked file comes as an AttachmentSource (platform/pickedFile.ts) that client-core reads, hashes
   * and stores chunk by chunk; `percent` hears 0..100, each whole percent once, for the page to show.
   */
  async sendAttachment(bytes: Uint8Array | AttachmentSource, meta: AttachmentMeta, percent?: (percent: number) => void): Promise<void> {
    try {
      await this.conv.sendAttachment(bytes, meta, new AttachmentSendOptions(percent));
    } catch (e) {
      throw attachmentError(e as Error);
    }
  }

  /**
   * The bytes of a shown row's attachment (ATTACH-2): this device's copy, else downloaded and kept. Fails with an
   * AttachmentError saying why: not uploaded by its sender yet, offline without a copy, damaged, not an attachment.
   */
  async attachmentBytes(rowOrMessageId: ChatRow | string): Promise<Uint8Array> {
    const id = typeof rowOrMessageId === 'string' ? rowOrMessageId : rowOrMessageId.id;
    const m = this.window.find(id);
    if (m === undefined || m.attachment === undefined || m.deleted) {
      throw new AttachmentError(AttachmentFailure.NotAnAttachment, `no attachment shown for message ${id}`);
    }
    try {
      return await this.host.client.attachmentBytes(m);
    } catch (e) {
      throw attachmentError(e as Error);
    }
  }
}
