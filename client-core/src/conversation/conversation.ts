/**
 * A conversation handle for the app: pages of messages in display order (ORDER-1), send, retry, read marks,
 * typing and presence, over the conversation's segment docs (SPEC 3.5). Opening loads the newest segments until a
 * first screen is there; `loadOlder` pages older segments in from local storage, then from the server (SEG-5).
 * Reads are synchronous over what is loaded; `send` and `sendAttachment` resolve once the message (and the
 * attachment's bytes) are in local storage and never wait for the network (OFFLINE-1, ATTACH-1).
 */
import * as awarenessProtocol from 'y-protocols/awareness';
import { Emitter } from '../events/emitter.js';
import { InvalidInputError, ClientErrorCode } from '../errors.js';
import { type RandomBytes, microtask } from '../platform.js';
import {
  type ConversationId,
  type DocName,
  type MessageId,
  type UserId,
  CONV_EDITS,
  CONV_REACTIONS,
  USER_HIDDEN,
  hiddenKey,
  isCovered,
  reactionKey,
  type Attachment,
  type ConversationMeta,
  type MessageEntry,
  type HybridClock,
  type SystemEvent,
} from '@concord/protocol';
import { blobPath, checkAttachmentMeta, checkAttachmentSize, type AttachmentInput } from '../attachments/blobs.js';
import { bytesSource, type AttachmentProgress, type AttachmentSource } from '../attachments/ingest.js';
import type { AttachmentTransfer } from '../attachments/transfer.js';
import type { ConvHistory } from '../history/convHistory.js';
import { locate, pageBefore, type Located, type Segment } from '../history/merge.js';
import { REMOTE } from '../sync/origins.js';
import { deliversMessage, hlcMillis, ownReactions, ownStatus, readEdit, readReactions, readsMessage, usersWhose, type EditState, type MessageStatus, type ReactionSummary, type StoredMessage } from './model.js';
import { writeReadMark } from './receipts.js';
import { checkMentions, checkOwnLive, checkRecallWindow, checkText, quoteOf, toggledReactions, type Quote } from './actions.js';
import { writeMessage, type NewMessageFields } from './write.js';
import type { DocHandle } from '../doc/docHandle.js';

export interface Message {
  readonly id: MessageId;
  readonly author: UserId;
  readonly hlc: string;
  /** Milliseconds since the epoch, from the HLC stamp. */
  readonly sentAt: number;
  readonly type: MessageEntry['type'];
  /** Text; for an attachment, its name. Empty when recalled. */
  readonly body: string;
  readonly replyTo?: string;
  /** [ACT-5] The message `replyTo` names, as far as this device has it loaded. */
  readonly quote?: Quote;
  /** Images, files and voice messages (SCHEMA-CONV-2); its bytes: `concord.attachmentBytes(message)`. */
  readonly attachment?: Attachment;
  readonly edited: boolean;
  /** [ACT-2] Recalled by its author: no body, no attachment; the UI shows "<author> recalled a message". */
  readonly recalled: boolean;
  /** Same as `recalled` (the `edits` flag's name, SCHEMA-CONV-1). */
  readonly deleted: boolean;
  /** [ACT-7] Users the message mentions. */
  readonly mentions?: readonly string[];
  /** [ACT-7] It mentions this account (and was not written by it). */
  readonly mentionsMe: boolean;
  /** [ACT-6] Reactions, one summary per emoji, in order of first reacting user id. */
  readonly reactions: readonly ReactionSummary[];
  /** Written by this account (on any of its devices). */
  readonly own: boolean;
  /** Own messages only. */
  readonly status?: MessageStatus;
  readonly failureReason?: string;
}

export interface ConversationEvents {
  /** The newest page (default limit) after any change to messages, receipts or acknowledgements. */
  messages: readonly Message[];
  /** Users (other than this account) currently typing. */
  typing: readonly string[];
  /** Users with at least one device present in the conversation (this account excluded). */
  presence: readonly string[];
}

export interface ConversationContext {
  /** The conversation's segments on this device. */
  readonly history: ConvHistory;
  readonly userId: UserId;
  readonly deviceId: string;
  readonly clock: HybridClock;
  readonly random: RandomBytes;
  readonly assertOpen: () => void;
  /** Where attachment bytes are kept and uploaded from (ATTACH-1). */
  readonly attachments: Pick<AttachmentTransfer, 'store' | 'kick' | 'ingest'>;
  readonly sendAwareness: (doc: DocName, update: Uint8Array) => void;
  /** Subscribe a segment the view shows, so its changes arrive live. */
  readonly sync: (doc: DocName) => void;
  /** Meta from the user doc's mirror, while segment 0 is not loaded. */
  readonly fallbackMeta: () => ConversationMeta | null;
  /** The account's user doc, where messages deleted for this account are kept (ACT-4). */
  readonly userDoc: () => DocHandle;
  /** The view was disposed: the next `conversation(id)` opens a fresh one. */
  readonly onDispose: () => void;
  /** [CLEAR-1] Messages sent at or before this time (ms) were deleted for this account: they are not shown. */
  readonly clearedUpTo: () => number;
}

/** [GROUP-5] One entry of the timeline: a message, or a server-written system event ordered among them by HLC. */
export type TimelineItem = { readonly kind: 'message'; readonly message: Message } | { readonly kind: 'system'; readonly event: SystemEvent };

/** [READ-GROUP-1] Who of the conversation's other current members has received and read one of this account's messages. */
export interface ReadState {
  readonly audience: readonly UserId[];
  readonly deliveredTo: readonly UserId[];
  readonly readBy: readonly UserId[];
}

export const DEFAULT_PAGE = 50;

export class Conversation {
  readonly events = new Emitter<ConversationEvents>();
  private notifyQueued = false;
  private disposed = false;
  private readonly offs: (() => void)[] = [];
  private readonly awareness: awarenessProtocol.Awareness;
  private readonly awarenessDoc: DocName;
  private readonly history: ConvHistory;

  /** Open a conversation: its head and as many older segments as the first screen needs (SEG-5). */
  static async open(id: ConversationId, ctx: ConversationContext): Promise<Conversation> {
    const history = ctx.history;
    history.setFloor(history.head);
    const head = await history.ensureFetched(history.head);
    const c = new Conversation(id, ctx, head);
    await c.fill(DEFAULT_PAGE);
    return c;
  }

  private constructor(
    readonly id: ConversationId,
    private readonly ctx: ConversationContext,
    head: Segment,
  ) {
    this.history = ctx.history;
    this.offs.push(
      this.history.events.on('changed', () => this.queueNotify()),
      this.history.events.on('acked', () => this.queueNotify()),
      // [ACT-4] A message deleted for this account on another device disappears here too.
      ctx.userDoc().events.on('changed', () => this.queueNotify()),
    );
    const h = head.handle;
    this.awarenessDoc = h.name;
    this.awareness = h.awareness ?? new awarenessProtocol.Awareness(h.doc);
    h.awareness = this.awareness;
    this.awareness.setLocalState({ user: ctx.userId, device: ctx.deviceId, typing: false });
    const onAwareness = (
      { added, updated, removed }: { added: number[]; updated: number[]; removed: number[] },
      origin: unknown,
    ): void => {
      if (origin !== REMOTE) {
        ctx.sendAwareness(this.awarenessDoc, awarenessProtocol.encodeAwarenessUpdate(this.awareness, [...added, ...updated, ...removed]));
      }
      this.events.emit('typing', this.typing());
      this.events.emit('presence', this.presence());
    };
    this.awareness.on('update', onAwareness);
    this.offs.push(() => this.awareness.off('update', onAwareness));
  }

  /** The doc that carries this conversation's typing and presence states. */
  get awarenessDocName(): DocName {
    return this.awarenessDoc;
  }

  get meta(): ConversationMeta | null {
    return this.history.meta() ?? this.ctx.fallbackMeta();
  }

  /** Whether the view reaches the conversation's first segment: no older page exists beyond what is loaded. */
  get reachedStart(): boolean {
    return this.history.viewFloor === 0;
  }

  /** The newest `limit` messages, oldest first. */
  messages(options: { limit?: number } = {}): Message[] {
    this.ctx.assertOpen();
    return this.view(this.page(null, options.limit ?? DEFAULT_PAGE));
  }

  /** Up to `limit` loaded messages before the message `before`, oldest first (see `loadOlder` for more). */
  olderPage(before: string, limit = DEFAULT_PAGE): Message[] {
    this.ctx.assertOpen();
    const at = this.find(before);
    if (at === undefined) throw new InvalidInputError(ClientErrorCode.UnknownMessage, `no message ${before} in this conversation`);
    return this.view(this.page(at.m.entry, limit));
  }

  /**
   * Up to `limit` messages before `before`, oldest first, paging older segments in as needed: from local storage,
   * else from the server (SEG-5). Fewer than `limit` only at the start of the conversation, or when a segment this
   * device does not hold cannot be fetched now (offline); `reachedStart` tells the two apart.
   */
  async loadOlder(before: string, limit = DEFAULT_PAGE): Promise<Message[]> {
    this.ctx.assertOpen();
    const at = this.find(before);
    if (at === undefined) throw new InvalidInputError(ClientErrorCode.UnknownMessage, `no message ${before} in this conversation`);
    while (this.page(at.m.entry, limit).length < limit) {
      if (!(await this.extend())) break;
    }
    return this.olderPage(before, limit);
  }

  /**
   * Let older segments go (SEG-7): keep in memory only what the newest `keep` messages need. Call when the user is
   * back at the bottom of a long scroll.
   */
  evict(keep = DEFAULT_PAGE): void {
    this.ctx.assertOpen();
    let floor = this.history.head;
    for (const { seg } of this.page(null, keep)) floor = Math.min(floor, seg.n);
    this.history.setFloor(floor);
  }

  message(id: string): Message | null {
    const m = this.find(id);
    return m === undefined ? null : (this.view([m])[0] ?? null);
  }

  /**
   * [READ-GROUP-1] "Read by N of M": of the other current members (`audience`, M), who has received and who has read
   * the message (any device of theirs). Null for an unknown message.
   */
  readState(id: string): ReadState | null {
    const at = this.find(id);
    if (at === undefined) return null;
    const audience = this.audience() ?? [];
    const marks = at.seg.index.marks().filter((m) => audience.includes(m.userId as UserId));
    const readers = usersWhose(marks, (m) => readsMessage(m, at.m));
    const receivers = usersWhose(marks, (m) => deliversMessage(m, at.m));
    return { audience, deliveredTo: audience.filter((u) => receivers.has(u)), readBy: audience.filter((u) => readers.has(u)) };
  }

  /** [GROUP-5] The server's system events (created, joined, left, removed, renamed, ...) in HLC order. */
  systemEvents(): SystemEvent[] {
    this.ctx.assertOpen();
    const cleared = this.ctx.clearedUpTo();
    return this.history.systemEvents().filter((e) => hlcMillis(e.hlc) > cleared);
  }

  /**
   * [GROUP-5] The newest `limit` messages with the system events among and after them, in HLC order (events before
   * the first shown message only once the view reaches the conversation's start). System events never count as
   * unread: they are not messages.
   */
  timeline(options: { limit?: number } = {}): TimelineItem[] {
    const messages = this.messages(options);
    const first = messages[0];
    const from = first === undefined || (this.reachedStart && messages.length < (options.limit ?? DEFAULT_PAGE)) ? '' : first.hlc;
    const events = this.systemEvents().filter((e) => e.hlc >= from);
    const out: TimelineItem[] = [];
    let i = 0;
    for (const message of messages) {
      for (; i < events.length && (events[i]?.hlc ?? '') < message.hlc; i++) out.push({ kind: 'system', event: events[i] as SystemEvent });
      out.push({ kind: 'message', message });
    }
    for (; i < events.length; i++) out.push({ kind: 'system', event: events[i] as SystemEvent });
    return out;
  }

  /** Write a text message into the head segment (SEG-2). Resolves once it is in local storage (status `sending`). */
  async send(text: string, options: { replyTo?: string; mentions?: readonly string[] } = {}): Promise<Message> {
    this.ctx.assertOpen();
    checkText(text);
    const mentions = checkMentions(options.mentions);
    return this.write({ type: 'text', body: text, ...(mentions !== undefined ? { mentions } : {}) }, options.replyTo);
  }

  /** [ACT-1] Replace the text of an own text message; every member's devices show it with `edited: true`. */
  async edit(id: string, text: string): Promise<Message> {
    this.ctx.assertOpen();
    checkText(text);
    const at = this.located(id);
    checkOwnLive(at.m.entry, this.editOf(at), this.ctx.userId);
    if (at.m.entry.type !== 'text') throw new InvalidInputError(ClientErrorCode.InvalidArgument, 'only text messages are edited');
    return this.writeEdit(at, { hlc: this.ctx.clock.tick(), body: text });
  }

  /**
   * [ACT-2] Recall an own message within RECALL_WINDOW_MS of sending: it disappears for everyone (`recalled: true`).
   * The server checks the window too; a recall it refuses is not shown here either (FAIL-1), and the message stays.
   */
  async recall(id: string): Promise<Message> {
    this.ctx.assertOpen();
    const at = this.located(id);
    checkOwnLive(at.m.entry, this.editOf(at), this.ctx.userId);
    const acknowledged = at.m.item !== null && isCovered(at.seg.handle.acked, at.m.item);
    checkRecallWindow(at.m.entry, this.ctx.clock.trueNow(), acknowledged);
    return this.writeEdit(at, { hlc: this.ctx.clock.tick(), deleted: true });
  }

  /** [ACT-4] Delete a message for this account only: it is hidden on every device of the account, offline first. */
  async hide(id: string): Promise<void> {
    this.ctx.assertOpen();
    this.located(id);
    const user = this.ctx.userDoc();
    user.transactLocal(() => user.doc.getMap<unknown>(USER_HIDDEN).set(hiddenKey(this.id, id), true));
    await user.persisted();
  }

  /**
   * [ACT-6] Toggle this account's reaction `emoji` on a message (`on` forces adding or removing). At most
   * MAX_REACTIONS_PER_USER different ones per message (`too_many_reactions`).
   */
  async react(id: string, emoji: string, on?: boolean): Promise<Message> {
    this.ctx.assertOpen();
    const at = this.located(id);
    if (this.editOf(at).deleted) throw new InvalidInputError(ClientErrorCode.MessageRecalled, `message ${id} was recalled`);
    const h = at.seg.handle;
    const me = this.ctx.userId;
    const next = toggledReactions(ownReactions(h.doc, me, id), emoji, on);
    // Same segment as the message (like its edits, SEG-4), so the reactions load with it.
    h.transactLocal(() => h.doc.getMap<unknown>(CONV_REACTIONS).set(reactionKey(me, id), next));
    await h.persisted();
    return this.mustView(id);
  }

  /**
   * [ACT-5] The message `id`, paging older segments in (local copy, else the server) until it is loaded: what a tap
   * on a quote calls before scrolling to the original. At most `maxSegments` more segments are loaded (default 20,
   * about 20,000 messages); null when it is not found within them, at the conversation's start, or offline.
   */
  async locate(id: string, options: { maxSegments?: number } = {}): Promise<Message | null> {
    this.ctx.assertOpen();
    let budget = options.maxSegments ?? 20;
    while (this.find(id) === undefined && budget-- > 0) {
      if (!(await this.extend())) break;
    }
    return this.message(id);
  }

  /**
   * Send an image, file or voice message (ATTACH-1). The bytes and a pending upload go into local storage first,
   * then the message, like `send` (status `sending`; never waits for the network): its `attachment.url` names the
   * blob by the bytes' SHA-256 (BLOB-1), so it is known before the upload, which runs whenever the device is online.
   * The body is the attachment's name. Empty or larger than MAX_ATTACHMENT_BYTES: InvalidInputError, nothing stored.
   * ATTACH-3: `input` may be an `AttachmentSource` (a picked file read in chunks); bytes and source alike are hashed
   * and stored chunk by chunk with the event loop free between chunks, and `onProgress` hears after each chunk.
   */
  async sendAttachment(
    input: Uint8Array | AttachmentSource,
    meta: AttachmentInput,
    options: { replyTo?: string; onProgress?: AttachmentProgress } = {},
  ): Promise<Message> {
    this.ctx.assertOpen();
    const source = input instanceof Uint8Array ? bytesSource(input) : input;
    if (typeof source !== 'object' || source === null || typeof source.read !== 'function') {
      throw new InvalidInputError(ClientErrorCode.InvalidArgument, 'attachment bytes must be a Uint8Array or an AttachmentSource');
    }
    checkAttachmentSize(source.size);
    checkAttachmentMeta(meta);
    if (options.replyTo !== undefined && this.find(options.replyTo) === undefined) {
      throw new InvalidInputError(ClientErrorCode.UnknownMessage, `no message ${options.replyTo} to reply to`);
    }
    const size = source.size;
    const blobId = await this.ctx.attachments.ingest(this.id, source, options.onProgress);
    await this.ctx.attachments.store.markPending(this.id, blobId, meta.mime, size);
    const attachment: Attachment = {
      url: blobPath(this.id, blobId),
      name: meta.name,
      mime: meta.mime,
      size,
      ...(meta.durationMs !== undefined ? { durationMs: meta.durationMs } : {}),
    };
    const view = await this.write({ type: meta.type, body: meta.name, attachment }, options.replyTo);
    this.ctx.attachments.kick();
    return view;
  }

  /** Write a new own message entry into the head segment; resolves once it is in local storage. */
  private async write(fields: Omit<NewMessageFields, 'replyTo'>, replyTo: string | undefined): Promise<Message> {
    let target: Located | undefined;
    if (replyTo !== undefined) {
      target = this.find(replyTo);
      if (target === undefined) throw new InvalidInputError(ClientErrorCode.UnknownMessage, `no message ${replyTo} to reply to`);
    }
    const { history, userId, clock, random } = this.ctx;
    const id = await writeMessage({ history, userId, clock, random }, { ...fields, ...(replyTo !== undefined ? { replyTo } : {}) }, target?.m.entry);
    return this.mustView(id);
  }

  private async writeEdit(at: Located, value: { hlc: string; body?: string; deleted?: boolean }): Promise<Message> {
    const h = at.seg.handle;
    // SEG-4: the edit goes into the segment holding the message (where the server looks for it, ACT-2).
    h.transactLocal(() => h.doc.getMap<unknown>(CONV_EDITS).set(at.m.entry.id, value));
    await h.persisted();
    return this.mustView(at.m.entry.id);
  }

  private mustView(id: string): Message {
    const view = this.message(id);
    if (view === null) throw new Error('message vanished after write');
    return view;
  }

  private located(id: string): Located {
    const at = this.find(id);
    if (at === undefined) throw new InvalidInputError(ClientErrorCode.UnknownMessage, `no message ${id} in this conversation`);
    return at;
  }

  private editOf(at: Located): EditState {
    return readEdit(at.seg.handle.doc, at.m.entry.id, at.seg.handle);
  }

  /**
   * Re-send a failed message as a new entry with the same body and reply target (new id, new HLC, from the
   * doc's fresh clientID); the failed one is hidden from pages. Re-pushing the same entry would be refused again:
   * its structs are what the server rejected.
   */
  async retry(id: string): Promise<Message> {
    this.ctx.assertOpen();
    const at = this.find(id);
    if (at === undefined) throw new InvalidInputError(ClientErrorCode.UnknownMessage, `no message ${id}`);
    const view = this.view([at])[0];
    if (view?.status !== 'failed') throw new InvalidInputError(ClientErrorCode.InvalidArgument, `message ${id} has not failed`);
    at.seg.handle.markRetried(id);
    const e = at.m.entry;
    // An attachment is re-sent as itself: same blob url, whose bytes this device still holds.
    return this.write(
      { type: e.type, body: e.body, ...(e.attachment !== undefined ? { attachment: e.attachment } : {}), ...(e.mentions !== undefined ? { mentions: e.mentions } : {}) },
      e.replyTo,
    );
  }

  /**
   * Mark as read everything this device holds up to `upTo` (default: the newest message). Marks are per segment
   * (SEG-4): every loaded segment with unread messages gets one, and so does every held segment that is not loaded
   * but still has unread messages (loaded for the write, then let go), so the count clears on all devices.
   */
  async markRead(upTo?: string): Promise<void> {
    this.ctx.assertOpen();
    const target = upTo === undefined ? this.page(null, 1)[0] : this.find(upTo);
    if (target === undefined) {
      if (upTo !== undefined) throw new InvalidInputError(ClientErrorCode.UnknownMessage, `no message ${upTo}`);
      return;
    }
    const hlc = target.m.entry.hlc;
    const { userId, deviceId } = this.ctx;
    const written: Promise<void>[] = [];
    const mark = (seg: Segment): void => {
      if (seg.n === target.seg.n || seg.index.unreadCount() > 0) {
        if (writeReadMark(seg.handle, seg.index, userId, deviceId, hlc)) written.push(seg.handle.persisted());
      }
    };
    for (const seg of [...this.history.segments()]) mark(seg);
    for (const n of this.history.unloadedUnread()) {
      this.history.pin(n);
      try {
        mark(await this.history.ensure(n));
      } finally {
        this.history.unpin(n);
      }
    }
    await Promise.all(written);
  }

  setTyping(typing: boolean): void {
    this.ctx.assertOpen();
    this.awareness.setLocalStateField('typing', typing);
  }

  typing(): string[] {
    return this.peers((s) => s['typing'] === true);
  }

  presence(): string[] {
    return this.peers(() => true);
  }

  /**
   * Close this view: stop listening; the head stays loaded and synced for the conversation list, older segments
   * are let go (SEG-7). `client.conversation(id)` afterwards opens a new view.
   */
  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    // Announce leaving first (while the awareness listener still sends), then stop listening.
    awarenessProtocol.removeAwarenessStates(this.awareness, [this.awareness.clientID], 'local');
    for (const off of this.offs) off();
    this.offs.length = 0;
    this.events.removeAll();
    this.history.setFloor(null);
    this.ctx.onDispose();
  }

  /** Load the next older segment into the view (local copy, else from the server). False at the start or offline. */
  private async extend(): Promise<boolean> {
    const floor = this.history.viewFloor ?? this.history.head;
    if (floor <= 0) return false;
    const n = floor - 1;
    const held = this.history.isHeld(n);
    this.history.setFloor(n);
    const seg = await this.history.ensureFetched(n);
    if (held) this.ctx.sync(seg.handle.name);
    // An empty segment that could not be fetched (offline): stop here, the next call tries again.
    if (seg.index.size === 0 && !this.history.isHeld(n)) {
      this.history.setFloor(floor);
      return false;
    }
    return true;
  }

  /** Fill the view with `limit` messages (or the whole conversation). */
  private async fill(limit: number): Promise<void> {
    this.ctx.sync(this.history.name(this.history.head));
    while (this.page(null, limit).length < limit) {
      if (!(await this.extend())) break;
    }
  }

  private peers(pred: (s: Record<string, unknown>) => boolean): string[] {
    const users = new Set<string>();
    this.awareness.getStates().forEach((state, client) => {
      if (client === this.awareness.clientID) return;
      const user = state['user'];
      if (typeof user === 'string' && user !== this.ctx.userId && pred(state)) users.add(user);
    });
    return [...users].sort();
  }

  /** HLC-1: observe the newest stamp of the others in every loaded segment. */
  private observeClock(): void {
    for (const seg of this.history.segments()) {
      const newest = seg.index.newestOthersHlc();
      if (newest !== null) this.ctx.clock.observe(newest);
    }
  }

  /**
   * A failed message that was retried is replaced by its re-send and hidden everywhere; a message this account
   * deleted for itself (ACT-4) is hidden on all its devices, and so are messages up to the time the conversation
   * was deleted for this account (CLEAR-1).
   */
  private hidden(seg: Segment, m: StoredMessage): boolean {
    return seg.handle.failed.get(m.entry.id)?.retried === true || this.hiddenForMe(m.entry.id) || hlcMillis(m.entry.hlc) <= this.ctx.clearedUpTo();
  }

  private hiddenForMe(id: string): boolean {
    return this.ctx.userDoc().doc.getMap<unknown>(USER_HIDDEN).get(hiddenKey(this.id, id)) === true;
  }

  /** [READ-GROUP-1] The other current members, when the conversation's members are known. */
  private audience(): UserId[] | null {
    const members = this.meta?.members;
    return members === undefined ? null : members.filter((u) => u !== this.ctx.userId).map((u) => u as UserId);
  }

  private page(before: MessageEntry | null, limit: number): Located[] {
    this.observeClock();
    return pageBefore(this.history.segments(), before, limit, (seg, m) => this.hidden(seg, m));
  }

  private find(id: string): Located | undefined {
    const at = locate(this.history.segments(), id);
    return at === undefined || this.hidden(at.seg, at.m) ? undefined : at;
  }

  private view(list: readonly Located[]): Message[] {
    const me = this.ctx.userId;
    const reactionsBySegment = new Map<Segment, Map<string, ReactionSummary[]>>();
    const reactionsOf = (seg: Segment, id: string): readonly ReactionSummary[] => {
      let r = reactionsBySegment.get(seg);
      if (r === undefined) reactionsBySegment.set(seg, (r = readReactions(seg.handle.doc, me)));
      return r.get(id) ?? [];
    };
    const audience = this.audience();
    return list.map(({ seg, m }) => {
      const h = seg.handle;
      const e = m.entry;
      const edit = readEdit(h.doc, e.id, h);
      const own = e.author === me;
      const st = own
        ? ownStatus(m, { me, acked: h.acked, poisoned: h.poisoned, failed: h.failed, marks: seg.index.marks(), ...(audience === null ? {} : { audience }) })
        : null;
      return {
        id: e.id as MessageId,
        author: e.author as UserId,
        hlc: e.hlc,
        sentAt: hlcMillis(e.hlc),
        type: e.type,
        body: edit.deleted ? '' : (edit.body ?? e.body),
        ...(e.replyTo !== undefined ? { replyTo: e.replyTo, quote: this.quote(e.replyTo) } : {}),
        ...(e.attachment !== undefined && !edit.deleted ? { attachment: e.attachment } : {}),
        edited: edit.edited,
        recalled: edit.deleted,
        deleted: edit.deleted,
        ...(e.mentions !== undefined && !edit.deleted ? { mentions: e.mentions } : {}),
        mentionsMe: !own && !edit.deleted && e.mentions?.includes(me) === true,
        reactions: edit.deleted ? [] : reactionsOf(seg, e.id),
        own,
        ...(st !== null ? { status: st.status } : {}),
        ...(st?.reason !== undefined ? { failureReason: st.reason } : {}),
      };
    });
  }

  /** [ACT-5] The quoted original, from whatever segment holds it, if loaded. */
  private quote(id: string): Quote {
    const at = locate(this.history.segments(), id);
    if (at === undefined) return quoteOf(id, undefined);
    return quoteOf(id, { entry: at.m.entry, edit: readEdit(at.seg.handle.doc, id, at.seg.handle), hidden: this.hiddenForMe(id) });
  }

  private queueNotify(): void {
    if (this.notifyQueued) return;
    this.notifyQueued = true;
    microtask(() => {
      this.notifyQueued = false;
      if (this.events.listenerCount('messages') === 0) return;
      let page: Message[];
      try {
        page = this.messages();
      } catch {
        // The client closed between the change and this microtask.
        return;
      }
      this.events.emit('messages', page);
    });
  }
}
