/*
 * The small, ArkTS-clean facade the .ets pages call (no any/unknown, no structural typing, no index signatures,
 * classes only). It owns the client-core `Concord` (one for the app's life: a kicked device logs in again on the
 * same one, CONN-6), turns its events into LazyForEach list models, and keeps the account, connection-light,
 * notification and chat-view state the pages need, plus per-install settings (privacy notice). scripts/check-ets.mjs lints this file as ArkTS.
 */
import { ClientErrorCode, Concord, ConcordError, HttpError, MAX_MESSAGE_LENGTH } from '@concord/client-core';
import type {
  AttachmentInput,
  AttachmentSource,
  AttachmentType,
  DigestFactory,
  Conversation,
  ConversationSummaryView,
  LastMessage,
  Message,
  ConnectionStatus,
  UserInfo,
  SocketFactory,
} from '@concord/client-core';
import type { StorageAdapter } from '@concord/storage-adapters';
import { KeyedListModel } from '../logic/listModel';
import { Deque } from '../logic/deque';
import { badgeText, calendarDaysAgo, chatTimeLabel, humanizedTime, showsTimeLabel, wordsFor, NO_LABEL_YET, TimeWords } from '../logic/timeLabels';
import { LinkLight, linkLight } from '../logic/linkLight';
import { humanSize, messagePreview } from '../logic/attachmentText';
import { ChatRow, ConversationRow, DeviceRow, KIND_TEXT } from './rows';
import { ComposerDraft } from './draft';
import type { DraftListener } from './draft';
import type { FetchInit } from '../platform/httpFetch';
import type { FetchResponse } from '../platform/httpFetch';
import type { IncomingMessage } from '../platform/notifier';
import { normalizeServerUrl, SERVER_URL_KEY } from './serverAddress';
import { MemberDirectory } from './memberNames';
import { AppSettings } from './appSettings';

export type FetchFn = (url: string, init?: FetchInit) => Promise<FetchResponse>;

/** What the app tells the facade about notifications; MessageNotifier implements it on a device. */
export interface Notifications {
  notify(msg: IncomingMessage, unreadTotal: number): Promise<boolean>;
  conversationRead(conversationId: string, unreadTotal: number): Promise<void>;
  setBadge(unreadTotal: number): Promise<void>;
  /** Another account logged in on this device: the previous account's notifications and badge go. */
  accountChanged(): Promise<void>;
}
export type IncomingFactory = (conversationId: string, title: string, preview: string, muted: boolean) => IncomingMessage;

/**
 * Per-install app settings (not per account): they survive logout and account switches and go with an uninstall.
 * On a device: DeviceSettingsStore on the device RDB file (platform/deviceSettings.ts).
 */
export interface DeviceSettings {
  getFlag(key: string): Promise<boolean>;
  setFlag(key: string, value: boolean): Promise<void>;
  /** '' when never set. */
  getText(key: string): Promise<string>;
  setText(key: string, value: string): Promise<void>;
}

export class AppPlatform {
  readonly openSocket: SocketFactory;
  readonly storage: StorageAdapter;
  readonly fetch: FetchFn;
  readonly random: (length: number) => Uint8Array;
  readonly onOnline: (callback: () => void) => () => void;
  readonly notifications: Notifications | null;
  readonly incoming: IncomingFactory | null;
  readonly deviceName: string;
  readonly heartbeatMs: number;
  /** Null: settings live in memory only (tools and benches). */
  readonly settings: DeviceSettings | null;
  /** SHA-256 for attachments (HAPP-ATTACH-2: cryptoFramework's native Md on a device); null: client-core's JS one. */
  readonly digest: DigestFactory | null;
  constructor(
    openSocket: SocketFactory,
    storage: StorageAdapter,
    fetch: FetchFn,
    random: (length: number) => Uint8Array,
    onOnline: (callback: () => void) => () => void,
    notifications: Notifications | null,
    incoming: IncomingFactory | null,
    deviceName: string,
    heartbeatMs: number,
    settings: DeviceSettings | null = null,
    digest: DigestFactory | null = null,
  ) {
    this.openSocket = openSocket;
    this.storage = storage;
    this.fetch = fetch;
    this.random = random;
    this.onOnline = onOnline;
    this.notifications = notifications;
    this.incoming = incoming;
    this.deviceName = deviceName;
    this.heartbeatMs = heartbeatMs;
    this.settings = settings;
    this.digest = digest;
  }
}

export enum SessionEnd {
  LoggedOut = 0,
  Revoked = 1,
  VersionMismatch = 2,
}

export type SessionEndListener = (why: SessionEnd, reason: string) => void;

/** Why a new chat could not be started; the new-chat page shows one string per value. */
export enum NewChatFailure {
  EmptyName = 0,
  UnknownUser = 1,
  Offline = 2,
  Self = 3,
  Other = 4,
}

export class NewChatError extends Error {
  readonly failure: NewChatFailure;
  constructor(failure: NewChatFailure, message: string) {
    super(message);
    this.name = 'NewChatError';
    this.failure = failure;
  }
}

/** A direct chat that exists on the server (new, or the pair's existing one). */
export class NewChat {
  readonly conversationId: string;
  readonly title: string;
  constructor(conversationId: string, title: string) {
    this.conversationId = conversationId;
    this.title = title;
  }
}

/** Why an attachment could not be sent or shown (HAPP-ATTACH-1); the chat page shows one string per value. */
export enum AttachmentFailure {
  /** Over MAX_ATTACHMENT_BYTES (25 MiB). */
  TooBig = 0,
  /** No bytes (an empty file). */
  Empty = 1,
  /** Its sender has not uploaded it yet (client-core `attachment_unavailable`): try again later. */
  NotUploaded = 2,
  /** This device has no copy and cannot reach the server (client-core `network`). */
  Offline = 3,
  /** The server's bytes are not the attachment's (client-core `attachment_mismatch`); nothing was kept. */
  Damaged = 4,
  /** The row is not loaded, or is not an attachment (deleted meanwhile). */
  NotAnAttachment = 5,
  Other = 6,
}

export class AttachmentError extends Error {
  readonly failure: AttachmentFailure;
  constructor(failure: AttachmentFailure, message: string) {
    super(message);
    this.name = 'AttachmentError';
    this.failure = failure;
  }
}

/** What the page knows about picked bytes: kind ('image' | 'file' | 'voice'), file name, mime type, voice length. */
export class AttachmentMeta implements AttachmentInput {
  readonly type: AttachmentType;
  readonly name: string;
  readonly mime: string;
  readonly durationMs?: number;
  constructor(type: AttachmentType, name: string, mime: string, durationMs?: number) {
    this.type = type;
    this.name = name;
    this.mime = mime;
    if (durationMs !== undefined) this.durationMs = durationMs;
  }
}

/** Settings key: the privacy notice was accepted on this install. */
export const PRIVACY_ACCEPTED = 'privacyAccepted';

const HIDDEN_PREFIX = 'app:hidden:';
const PAGE = 50;

export class ConcordApp {
  readonly conversations = new KeyedListModel<ConversationRow>();
  private words: TimeWords = wordsFor('en');
  private lastFrameAt = 0;
  /** Sockets open right now (an old one may still be closing while its replacement is open). */
  private openSockets = 0;
  private state = 'offline';
  private readonly hidden = new Map<string, number>();
  private readonly endListeners: SessionEndListener[] = [];
  private readonly changeListeners: (() => void)[] = [];
  private latest: ConversationSummaryView[] = [];
  private openChatId = '';
  private readonly seenLast = new Map<string, string>();
  /** Messages sent before this (login/restore time) were not new to the user when the app started: no banner. */
  private sessionStart = 0;
  private networkUp = true;
  /** The account the list and notifications belong to ('' before the first session). */
  private account = '';
  /** Open chat views and how many ChatSessions share each (client-core hands out one view per conversation). */
  private readonly views = new Map<Conversation, number>();
  /** Chat pages not yet left: each is told when its conversation's stored draft changes (HAPP-DRAFT-1). */
  private readonly sessions: ChatSession[] = [];
  private readonly settings: AppSettings;
  /** Who the account's chat members are (HAPP-NAMES-1): titles of direct chats, authors in groups. */
  private readonly directory: MemberDirectory;

  private current: Concord;
  /** The session was refused (4401): the runtime stays for offline reading until the next login (CONN-4/6). */
  private revoked = false;
  private readonly platform: AppPlatform;
  /** Normalized (serverAddress.ts); changed on the login page, which replaces the client (HAPP-SERVER-1). */
  private serverUrl: string;
  private storageFailure: Error | null = null;
  private readonly now: () => number;
  private readonly segmentMessages: number;

  private constructor(platform: AppPlatform, serverUrl: string, now: () => number, segmentMessages: number) {
    this.platform = platform;
    this.serverUrl = serverUrl.replace(/\/$/, '');
    this.now = now;
    this.segmentMessages = segmentMessages;
    this.directory = new MemberDirectory(platform.storage);
    this.settings = new AppSettings(platform.settings);
    this.current = this.newClient();
    // The network is back (the light was greyed by networkLost): the socket, if it survived, counts again.
    platform.onOnline(() => {
      this.networkUp = true;
      this.changed();
    });
  }

  /**
   * `segmentMessages` > 0 starts a new history segment after that many messages (client-core's
   * `history.segmentMessages`; tests use small values); 0 keeps client-core's default.
   */
  static create(platform: AppPlatform, serverUrl: string, now: () => number = Date.now, segmentMessages: number = 0): ConcordApp {
    return new ConcordApp(platform, serverUrl, now, segmentMessages);
  }

  /** The last storage failure client-core reported (HAPP-RDB-1), or null: the device could not save something. */
  get storageTrouble(): Error | null {
    return this.storageFailure;
  }

  /** The client-core client of this app (one for the app's life, except after a kicked device registers anew). */
  get client(): Concord {
    return this.current;
  }

  private newClient(): Concord {
    const platform = this.platform;
    const client = new Concord({
      serverUrl: this.serverUrl,
      openSocket: platform.openSocket,
      storage: platform.storage,
      fetch: platform.fetch,
      random: platform.random,
      network: new NetworkBridge(platform.onOnline),
      deviceName: platform.deviceName,
      heartbeat: new Heartbeat(platform.heartbeatMs, 2),
      now: this.now,
      history: new HistoryLimits(this.segmentMessages > 0 ? this.segmentMessages : undefined),
      attachments: new AttachmentChunking(platform.digest),
    });
    client.events.on('conversations', (list: readonly ConversationSummaryView[]) => this.onConversations(list));
    client.events.on('connection', (s: ConnectionStatus) => {
      this.state = s.state;
      if (s.state === 'online') {
        // Names the server could not give before (or that were asked for offline) are asked for again.
        this.directory.retryUnnamed();
        this.lookUpNames(this.latest);
      }
      this.changed();
    });
    client.events.on('sessionInvalid', (e: SessionReason) => {
      this.revoked = true;
      this.end(SessionEnd.Revoked, e.reason);
    });
    client.events.on('versionMismatch', (e: SessionReason) => this.end(SessionEnd.VersionMismatch, e.reason));
    client.events.on('storageError', (e: StorageFailure) => {
      // HAPP-RDB-1: a write that failed past the RDB adapter's retries. The change stays in memory and still goes
      // out when online; the page can say that this device could not save it.
      this.storageFailure = e.error;
      this.changed();
    });
    return client;
  }

  setLanguage(language: string): void {
    this.words = wordsFor(language);
    this.onConversations(this.latest);
  }

  // ---- session ---------------------------------------------------------------------------------------------
  get loggedIn(): boolean {
    return this.client.session !== null;
  }

  get userId(): string {
    const s = this.client.session;
    return s === null ? '' : s.userId;
  }

  /** Resumes the stored session offline; false when the user must log in. */
  async restore(): Promise<boolean> {
    this.sessionStart = this.now();
    const s = await this.client.restore();
    if (s !== null) await this.sessionStarted();
    return s !== null;
  }

  /**
   * Log in. Also the way back after a kick (CONN-6): the same client-core `Concord` (and so the same account
   * storage) is reused, so for the same account the history stays and what was written while kicked goes out;
   * another account gets its own RDB file and an empty list, never the previous account's chats.
   */
  async login(username: string, password: string): Promise<void> {
    this.sessionStart = this.now();
    await this.client.login(username, password);
    await this.sessionStarted();
  }

  async register(username: string, password: string, displayName: string): Promise<void> {
    this.sessionStart = this.now();
    if (this.revoked) {
      // client-core registers only when logged out, and logging the kicked session out would erase its account's
      // file. A fresh client over the same storage instead: the kicked account's file stays for its next login.
      this.releaseViews();
      await this.current.close();
      this.current = this.newClient();
      this.revoked = false;
      this.state = 'offline';
    }
    await this.client.register(username, password, displayName.length > 0 ? displayName : undefined);
    await this.sessionStarted();
  }

  async logout(): Promise<void> {
    this.releaseViews();
    await this.client.logout();
    this.latest = [];
    this.conversations.set([]);
    this.end(SessionEnd.LoggedOut, '');
  }

  // ---- per-install settings --------------------------------------------------------------------------------
  /** Whether the privacy notice was accepted on this install (it is shown until then, and never again after). */
  async privacyAccepted(): Promise<boolean> {
    return this.settings.getFlag(PRIVACY_ACCEPTED);
  }

  async acceptPrivacy(): Promise<void> {
    await this.settings.setFlag(PRIVACY_ACCEPTED, true);
  }

  /** The sync server this app talks to (HAPP-SERVER-1). */
  get server(): string {
    return this.serverUrl;
  }

  /**
   * Sets the sync server's address from what the user typed on the login page (throws a ServerAddressError when it
   * is not an http/https/ws/wss URL with a host) and remembers it for the next start. Only while no session is live:
   * client-core takes its server at construction, so the logged-out (or kicked) client is replaced by one for the
   * new address over the same storage; a kicked account's file stays, as for register.
   */
  async setServer(input: string): Promise<void> {
    const url = normalizeServerUrl(input);
    if (url === this.serverUrl) {
      // The same server (the login page submits its field every time): kept, and nothing to replace, whatever the
      // session's state (the page also shows after a version mismatch, with the session still there).
      await this.settings.setText(SERVER_URL_KEY, url);
      return;
    }
    if (this.client.session !== null && !this.revoked) throw new Error('log out before changing the server');
    await this.settings.setText(SERVER_URL_KEY, url);
    this.serverUrl = url;
    this.releaseViews();
    await this.current.close();
    this.current = this.newClient();
    this.revoked = false;
    this.state = 'offline';
    this.changed();
  }

  onSessionEnd(listener: SessionEndListener): () => void {
    this.endListeners.push(listener);
    return () => {
      const i = this.endListeners.indexOf(listener);
      if (i >= 0) this.endListeners.splice(i, 1);
    };
  }

  /** Any state the pages show changed (connection, list). */
  onChange(listener: () => void): () => void {
    this.changeListeners.push(listener);
    return () => {
      const i = this.changeListeners.indexOf(listener);
      if (i >= 0) this.changeListeners.splice(i, 1);
    };
  }

  // ---- connection light ------------------------------------------------------------------------------------
  socketOpened(): void {
    this.openSockets++;
    this.networkUp = true;
    this.lastFrameAt = this.now();
    this.changed();
  }
  socketFrame(): void {
    this.lastFrameAt = this.now();
  }
  socketClosed(): void {
    this.openSockets = Math.max(0, this.openSockets - 1);
    this.changed();
  }
  networkLost(): void {
    // The socket may not notice for a heartbeat or two; the user should see the loss now.
    this.networkUp = false;
    this.changed();
  }

  light(): LinkLight {
    const connected = this.networkUp && this.openSockets > 0 && this.state === 'online';
    return linkLight(connected, this.networkUp && this.state === 'connecting', this.lastFrameAt, this.now(), this.platform.heartbeatMs);
  }

  // ---- conversation list -----------------------------------------------------------------------------------
  async setPinned(id: string, pinned: boolean): Promise<void> {
    await this.client.setPinned(id, pinned);
  }

  async setMuted(id: string, muted: boolean): Promise<void> {
    await this.client.setMuted(id, muted);
  }

  /** Removes a chat from the list (WeChat "delete chat"): it comes back when a newer message arrives. */
  async hide(id: string): Promise<void> {
    const row = this.latest.find((c: ConversationSummaryView) => c.id === id);
    const at = row === undefined ? this.now() : Math.max(row.lastActivity, 1);
    this.hidden.set(id, at);
    await this.platform.storage.setKv(HIDDEN_PREFIX + id, asciiBytes(`${at}`));
    this.onConversations(this.latest);
  }

  unreadTotal(): number {
    let n = 0;
    for (const c of this.latest) n += c.unread;
    return n;
  }

  // ---- new chat --------------------------------------------------------------------------------------------
  /**
   * Starts (or finds: the server keeps one direct chat per pair) the direct chat with the user whose username is
   * exactly `username`. Online only; fails with a NewChatError saying why (no such user, offline, yourself).
   */
  async startDirectChat(username: string): Promise<NewChat> {
    const wanted = username.trim();
    if (wanted.length === 0) throw new NewChatError(NewChatFailure.EmptyName, 'enter a username');
    if (!this.networkUp) throw new NewChatError(NewChatFailure.Offline, 'offline: a new chat needs the server');
    let user: UserInfo | null = null;
    try {
      user = await this.client.findUser(wanted);
    } catch (e) {
      throw newChatError(e as Error);
    }
    if (user === null) throw new NewChatError(NewChatFailure.UnknownUser, `no user named ${wanted}`);
    if (user.userId === this.userId) throw new NewChatError(NewChatFailure.Self, 'that is your own account');
    let id = '';
    try {
      id = await this.client.createConversation(new DirectChatRequest(user.userId));
    } catch (e) {
      throw newChatError(e as Error);
    }
    const name = user.displayName.length > 0 ? user.displayName : user.username;
    // The lookup named the other member: the list, header and notifications use it at once (HAPP-NAMES-1).
    await this.directory.learn(user.userId, name).catch(() => undefined);
    return new NewChat(id, name);
  }

  // ---- chats -----------------------------------------------------------------------------------------------
  /** `title` is shown until the list knows the chat (a chat started a moment ago). */
  async openChat(id: string, title: string = ''): Promise<ChatSession> {
    const conv = await this.client.conversation(id);
    this.views.set(conv, (this.views.get(conv) ?? 0) + 1);
    this.openChatId = id;
    const row = this.latest.find((c: ConversationSummaryView) => c.id === id);
    const known = this.chatTitle(id);
    const meta = conv.meta;
    const group = row !== undefined ? row.kind === 'group' : meta !== null && meta.kind === 'group';
    const session = new ChatSession(this, conv, known.length === 0 ? title : known, this.now, row === undefined ? '' : row.draft, group);
    this.sessions.push(session);
    return session;
  }

  /** Writes a conversation's draft (HAPP-DRAFT-1); ChatSession decides when. */
  async saveDraft(id: string, text: string): Promise<void> {
    await this.client.setDraft(id, text);
  }

  /**
   * A chat page was left: when no other page shows the conversation, its view is disposed, so the older segments
   * it paged in leave memory and only the head stays (SEG-7).
   */
  chatClosed(conv: Conversation, session: ChatSession): void {
    const i = this.sessions.indexOf(session);
    if (i >= 0) this.sessions.splice(i, 1);
    if (this.openChatId === conv.id) this.openChatId = '';
    const n = this.views.get(conv);
    if (n === undefined) return;
    if (n > 1) {
      this.views.set(conv, n - 1);
      return;
    }
    this.views.delete(conv);
    disposeView(conv);
  }

  /** Chat views still open (pages not yet left). */
  get openViews(): number {
    return this.views.size;
  }

  timeWords(): TimeWords {
    return this.words;
  }

  /** A chat page was shown or hidden: only a chat on screen keeps its messages from notifying (HAPP-READ-1). */
  chatVisible(id: string, visible: boolean): void {
    if (visible) this.openChatId = id;
    else if (this.openChatId === id) this.openChatId = '';
  }

  /** A listed chat's title (HAPP-NAMES-1); '' when the list does not have it. */
  chatTitle(id: string): string {
    const row = this.latest.find((c: ConversationSummaryView) => c.id === id);
    return row === undefined ? '' : this.directory.titleOf(row, this.userId);
  }

  /** A member's name as the chat shows it (HAPP-NAMES-1): display name, else username, else the id's start. */
  nameOf(userId: string): string {
    return this.directory.shown(userId);
  }

  async chatRead(id: string): Promise<void> {
    const n = this.platform.notifications;
    if (n !== null) await n.conversationRead(id, this.unreadTotal());
  }

  // ---- devices ---------------------------------------------------------------------------------------------
  async devices(): Promise<DeviceRow[]> {
    // Through client-core, the only HTTP client of the API (PROTO-2): it reads and checks the answer.
    const out: DeviceRow[] = [];
    for (const d of await this.client.devices()) {
      out.push(new DeviceRow(d.deviceId, d.name.length > 0 ? d.name : d.deviceId, d.current, humanizedTime(d.lastSeenAt, this.now(), this.words)));
    }
    return out;
  }

  /** Logs this device out: revokes its session on the server when reachable and erases local data. */
  async logOutThisDevice(): Promise<void> {
    await this.logout();
  }

  // ---- internals -------------------------------------------------------------------------------------------
  /** A session began (login, register, restore): the list, hidden chats and notifications are this account's. */
  private async sessionStarted(): Promise<void> {
    this.revoked = false;
    const user = this.userId;
    if (user !== this.account) {
      // Another account on this device: nothing of the previous one may stay on screen or in the shade.
      const previous = this.account;
      this.account = user;
      this.seenLast.clear();
      this.openChatId = '';
      this.latest = [];
      this.conversations.set([]);
      const n = this.platform.notifications;
      if (previous.length > 0 && n !== null) await n.accountChanged().catch(() => undefined);
    }
    // Views of the runtime a re-login replaced are dead: drop them (their pages were closed with the session).
    this.views.clear();
    await this.directory.load();
    await this.loadHidden();
  }

  private releaseViews(): void {
    for (const conv of Array.from(this.views.keys())) disposeView(conv);
    this.views.clear();
  }

  private async loadHidden(): Promise<void> {
    this.hidden.clear();
    const keys = await this.platform.storage.listKv(HIDDEN_PREFIX);
    for (const k of keys) {
      const v = await this.platform.storage.getKv(k);
      if (v !== undefined) this.hidden.set(k.slice(HIDDEN_PREFIX.length), Number(fromAscii(v)));
    }
    this.onConversations(this.client.conversations());
  }

  private onConversations(list: readonly ConversationSummaryView[]): void {
    const prevTotal = this.unreadTotal();
    this.latest = list.slice();
    const now = this.now();
    const rows: ConversationRow[] = [];
    for (const c of list) {
      const hiddenAt = this.hidden.get(c.id);
      if (hiddenAt !== undefined && c.lastActivity <= hiddenAt) continue;
      const preview = c.draft.trim().length > 0 ? draftPreview(c.draft, this.words) : c.lastMessage === null ? '' : lastPreview(c.lastMessage, this.words);
      rows.push(
        new ConversationRow(c.id, this.directory.titleOf(c, this.userId), preview, humanizedTime(c.lastActivity, now, this.words), c.unread, badgeText(c.unread), c.pinned, c.muted, c.lastActivity),
      );
    }
    this.conversations.set(rows);
    // The list may load after a chat opened, and another device of the account may write the draft: the open chats
    // take the stored draft while their user has not typed there.
    for (const s of this.sessions.slice()) {
      const c = list.find((x: ConversationSummaryView) => x.id === s.id);
      if (c !== undefined) s.storedDraft(c.draft);
    }
    this.notifyNew(list, prevTotal);
    this.lookUpNames(list);
    this.changed();
  }

  /**
   * Members of the listed chats without a known name are looked up on the server (HAPP-NAMES-1); when names come,
   * the list, and the open chats' author lines, are rewritten. Offline it waits for the link (the connection event).
   */
  private lookUpNames(list: readonly ConversationSummaryView[]): void {
    const me = this.userId;
    if (me.length === 0 || this.state !== 'online') return;
    const wanted: string[] = [];
    for (const c of list) {
      if (!this.directory.needsLookup(c.members, me)) continue;
      for (const m of c.members) if (m !== me && this.directory.name(m).length === 0) wanted.push(m);
    }
    if (wanted.length === 0) return;
    this.directory
      .refresh(() => this.client.memberDirectory(), wanted)
      .then((changed: boolean) => {
        if (!changed || this.userId !== me) return;
        this.onConversations(this.latest);
        for (const s of this.sessions.slice()) s.namesChanged();
      })
      .catch(() => undefined);
  }

  /** A new last message from someone else, in a chat not open on screen: notify (the notifier skips muted chats). */
  private notifyNew(list: readonly ConversationSummaryView[], prevTotal: number): void {
    const n = this.platform.notifications;
    const make = this.platform.incoming;
    if (n === null || make === null) return;
    const me = this.userId;
    const total = this.unreadTotal();
    let published = false;
    for (const c of list) {
      const last = c.lastMessage;
      if (last === null) {
        this.seenLast.set(c.id, '');
        continue;
      }
      const seen = this.seenLast.get(c.id);
      this.seenLast.set(c.id, last.id);
      if (seen === last.id) continue;
      // First sight of a chat that already has messages: new only if written after the app started.
      if (seen === undefined && last.sentAt < this.sessionStart) continue;
      if (last.author === me || c.id === this.openChatId || c.unread === 0) continue;
      published = true;
      n.notify(make(c.id, this.directory.titleOf(c, me), lastPreview(last, this.words), c.muted), total).catch(() => undefined);
    }
    if (!published && total !== prevTotal) n.setBadge(total).catch(() => undefined);
  }

  private end(why: SessionEnd, reason: string): void {
    for (const l of this.endListeners.slice()) l(why, reason);
  }

  private changed(): void {
    for (const l of this.changeListeners.slice()) l();
  }
}

export class ChatSession {
  readonly rows = new KeyedListModel<ChatRow>();
  /**
   * The loaded messages in display order, each with the row it shows as (the same object as `rows` at that index)
   * and its time-label anchor. A deque, so an older page goes on top without copying what is loaded: paging and
   * live updates cost what they change, never the rows held.
   */
  private readonly entries = new Deque<ChatEntry>();
  private exhausted = false;
  private closed = false;
  private visible = false;
  /** Others' bubbles carry their author's name (HAPP-NAMES-1); a direct chat's header already says who. */
  private readonly group: boolean;
  /** Names arrived since the rows were written: the next update rewrites every row once. */
  private namesStale = false;
  /** When and in which language the labels were written: a label's text depends on the day and the words. */
  private labelNow: number;
  private labelWords: TimeWords;
  private readonly off: () => void;
  private readonly composer: ComposerDraft;

  private readonly app: ConcordApp;
  private readonly conv: Conversation;
  /** The header: the list's title for the chat, which names the other member of a direct chat (HAPP-NAMES-1). */
  private titleText: string;
  private readonly titleListeners: ((title: string) => void)[] = [];
  private readonly now: () => number;

  /** `draft`: the conversation's stored draft when the chat opens (HAPP-DRAFT-1). */
  constructor(app: ConcordApp, conv: Conversation, title: string, now: () => number, draft: string = '', group: boolean = false) {
    this.app = app;
    this.group = group;
    this.conv = conv;
    this.titleText = title;
    this.now = now;
    const id = conv.id;
    this.composer = new ComposerDraft(draft, (text: string) => app.saveDraft(id, text), MAX_MESSAGE_LENGTH);
    this.labelNow = now();
    this.labelWords = app.timeWords();
    this.off = conv.events.on('messages', (newest: readonly Message[]) => {
      this.merge(newest);
      this.readWhileShown();
    });
    this.merge(conv.messages());
  }

  /**
   * The chat page is on screen (shown, app in the foreground) or not: `onPageShow`/`onPageHide`, which ArkUI also
   * calls when the app goes to or comes from the background (HAPP-READ-1). While shown, what arrives counts as read
   * at once, as in the web client (WEB-READ-1): the sender sees `read` and no unread count builds up. While hidden,
   * arrivals stay unread (and notify) until the page is shown again.
   */
  setVisible(visible: boolean): void {
    this.visible = visible;
    this.app.chatVisible(this.conv.id, visible);
    this.readWhileShown();
  }

  get title(): string {
    return this.titleText;
  }

  /** The header's title changed (names arrived after the chat opened); returns the unsubscribe. */
  onTitleChanged(listener: (title: string) => void): () => void {
    this.titleListeners.push(listener);
    return () => {
      const i = this.titleListeners.indexOf(listener);
      if (i >= 0) this.titleListeners.splice(i, 1);
    };
  }

  /** Member names arrived (HAPP-NAMES-1): the header may name the chat now, and group bubbles show authors. */
  namesChanged(): void {
    if (this.closed) return;
    const title = this.app.chatTitle(this.conv.id);
    if (title.length > 0 && title !== this.titleText) {
      this.titleText = title;
      for (const l of this.titleListeners.slice()) l(title);
    }
    if (!this.group) return;
    this.namesStale = true;
    this.refreshLabels();
  }

  private readWhileShown(): void {
    if (!this.visible || this.closed) return;
    // A failure (the client closed under the page) leaves the messages unread; the next arrival or show retries.
    this.markRead().catch(() => undefined);
  }

  get id(): string {
    return this.conv.id;
  }

  get hasOlder(): boolean {
    return !this.exhausted;
  }

  // ---- the composer's draft (HAPP-DRAFT-1) -------------------------------------------------------------------
  /** What the composer shows: the stored draft when the chat opened, then what the user typed. */
  get draft(): string {
    return this.composer.text;
  }

  /**
   * The composer text was set from outside the keyboard: the stored draft arrived (the list loaded after the chat
   * opened, or another device wrote it) before the user typed here, or a failed send put its text back.
   */
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
    const m = this.loadedMessage(id);
    if (m === undefined || m.attachment === undefined || m.deleted) {
      throw new AttachmentError(AttachmentFailure.NotAnAttachment, `no attachment shown for message ${id}`);
    }
    try {
      return await this.app.client.attachmentBytes(m);
    } catch (e) {
      throw attachmentError(e as Error);
    }
  }

  /** A loaded message by id (the newest rows first: that is where the user taps). */
  private loadedMessage(id: string): Message | undefined {
    for (let i = this.entries.length - 1; i >= 0; i--) {
      const e = this.entries.at(i);
      if (e !== undefined && e.msg.id === id) return e.msg;
    }
    return undefined;
  }

  /**
   * Loads the page before the oldest shown message, from local storage or, for segments this device does not
   * hold, from the server (SEG-5). False when nothing older came: at the start of the chat (then `hasOlder` turns
   * false) or offline before a segment this device does not hold (then a later scroll tries again).
   * The page's rows are added on top; of the rows already shown only those whose time label the page changes are
   * touched (the old top row, and the rows below it until the label anchors agree again).
   */
  async loadOlder(): Promise<boolean> {
    const first = this.entries.at(0);
    if (first === undefined || this.exhausted) return false;
    const older = await this.conv.loadOlder(first.msg.id, PAGE);
    if (older.length === 0) {
      this.exhausted = this.conv.reachedStart;
      return false;
    }
    const have = this.entries.at(0);
    if (have === undefined || have.msg.id !== first.msg.id) return false;
    this.refreshLabels();
    const page = inDisplayOrder(older);
    const added: ChatEntry[] = [];
    const rows: ChatRow[] = [];
    let anchor = NO_LABEL_YET;
    for (const m of page) {
      const show = showsTimeLabel(m.sentAt, anchor);
      if (show) anchor = m.sentAt;
      const e = this.entryFor(m, show, anchor, undefined);
      added.push(e);
      rows.push(e.row);
    }
    this.entries.prepend(added);
    this.rows.prepend(rows);
    this.relabelFrom(added.length, anchor);
    return true;
  }

  async markRead(): Promise<void> {
    await this.conv.markRead();
    await this.app.chatRead(this.conv.id);
  }

  /**
   * The user is back at the newest message (the list reached its end): the pages paged in above are dropped and
   * the view's older segments let go (`evict`, SEG-7), so a long scroll back does not keep its memory.
   */
  atBottom(): void {
    if (this.entries.length <= PAGE) return;
    try {
      this.conv.evict(PAGE);
    } catch (e) {
      return; // the client closed (logout): nothing to release
    }
    this.exhausted = false;
    this.refreshLabels();
    const page = inDisplayOrder(this.conv.messages());
    // Rows above the newest page go; the page then replaces what is left (exactly: nothing else stays).
    const top = page.length > 0 ? page[0] : undefined;
    const start = top === undefined ? this.entries.length : this.lowerBound(top);
    this.entries.dropFront(start);
    this.rows.removeFront(start);
    this.mergeTail(page);
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
    this.app.chatClosed(this.conv, this);
  }

  /** The newest page replaces the tail; pages already loaded above it stay. */
  private merge(newest: readonly Message[]): void {
    this.refreshLabels();
    const page = inDisplayOrder(newest);
    if (this.leavesGap(page)) {
      // More messages arrived at once than a page holds (a device back online, a burst in a group): the rows
      // between the loaded ones and this page would be missing. The list starts over at the newest page, and
      // scrolling up pages the rest in, in order (loadOlder).
      // The rows model is rewritten from index 0 by the merge below (one diff, no reload).
      this.entries.truncate(0);
      this.exhausted = false;
    }
    this.mergeTail(page);
  }

  /** Whether `page` starts after the newest loaded row with messages between them that are not loaded. */
  private leavesGap(page: Message[]): boolean {
    const last = this.entries.length > 0 ? this.entries.at(this.entries.length - 1) : undefined;
    const top = page.length > 0 ? page[0] : undefined;
    if (last === undefined || top === undefined || displayOrder(last.msg, top) >= 0) return false;
    let before: Message[];
    try {
      before = this.conv.olderPage(top.id, 1);
    } catch (e) {
      return false; // the client closed, or the page's top is not in the view any more
    }
    const prev = before.length > 0 ? before[before.length - 1] : undefined;
    return prev !== undefined && prev.id !== last.msg.id;
  }

  /**
   * Rewrites the rows from where `page` (in display order) starts to the end with exactly the page's messages: the
   * page is the view's newest messages, so a loaded one in that range that the page lacks is no longer shown (a
   * failed message the user retried is hidden once its re-send exists, FAIL-1). Rows whose message and label did not
   * change stay the same objects and send no event. Costs the range (about a page) plus a binary search, whatever
   * is loaded above.
   */
  private mergeTail(page: Message[]): void {
    const n = this.entries.length;
    const top = page.length > 0 ? page[0] : undefined;
    const start = top === undefined ? n : this.lowerBound(top);
    const old = this.entries.slice(start, n);
    const before = start > 0 ? this.entries.at(start - 1) : undefined;
    let anchor = before === undefined ? NO_LABEL_YET : before.anchor;
    const next: ChatEntry[] = [];
    const rows: ChatRow[] = [];
    let p = 0;
    for (const m of page) {
      let prev = p < old.length ? old[p] : undefined;
      while (prev !== undefined && displayOrder(prev.msg, m) < 0) {
        p++;
        prev = p < old.length ? old[p] : undefined;
      }
      if (prev !== undefined && prev.msg.id === m.id) p++;
      else prev = undefined;
      const show = showsTimeLabel(m.sentAt, anchor);
      if (show) anchor = m.sentAt;
      const e = this.entryFor(m, show, anchor, prev);
      next.push(e);
      rows.push(e.row);
    }
    this.entries.truncate(start);
    this.entries.append(next);
    this.rows.replaceFrom(start, rows);
  }

  /**
   * The label anchor above row `index` is now `anchor`: relabels from there down, and stops at the first row whose
   * anchor comes out as before (every label below it is then unchanged). Usually one row (the old top row under a
   * prepended page); a run of messages each within two minutes of the last label can carry the change further.
   */
  private relabelFrom(index: number, anchorAbove: number): void {
    let anchor = anchorAbove;
    for (let i = index; i < this.entries.length; i++) {
      const e = this.entries.at(i);
      if (e === undefined) return;
      const show = showsTimeLabel(e.msg.sentAt, anchor);
      if (show) anchor = e.msg.sentAt;
      const updated = this.entryFor(e.msg, show, anchor, e);
      if (updated.row !== e.row || updated.anchor !== e.anchor) {
        this.entries.setAt(i, updated);
        this.rows.replaceAt(i, updated.row);
      }
      if (anchor === e.anchor) return;
    }
  }

  /**
   * Labels depend on the calendar day of "now" and on the language: when either changed since they were written,
   * every row is relabelled once (rows whose label stays the same keep their object and send no event).
   */
  private refreshLabels(): void {
    const now = this.now();
    const words = this.app.timeWords();
    const stale = words !== this.labelWords || calendarDaysAgo(this.labelNow, now) !== 0 || this.namesStale;
    this.namesStale = false;
    this.labelNow = now;
    this.labelWords = words;
    if (!stale || this.entries.length === 0) return;
    const all: ChatEntry[] = [];
    const rows: ChatRow[] = [];
    let anchor = NO_LABEL_YET;
    for (let i = 0; i < this.entries.length; i++) {
      const e = this.entries.at(i);
      if (e === undefined) continue;
      const show = showsTimeLabel(e.msg.sentAt, anchor);
      if (show) anchor = e.msg.sentAt;
      const updated = this.entryFor(e.msg, show, anchor, e);
      all.push(updated);
      rows.push(updated.row);
    }
    this.entries.reset(all);
    this.rows.set(rows);
  }

  /** The entry for `m` with its label decided; `prev`'s row object is kept when it shows exactly the same. */
  private entryFor(m: Message, showLabel: boolean, anchor: number, prev: ChatEntry | undefined): ChatEntry {
    const label = showLabel ? chatTimeLabel(m.sentAt, this.labelNow, this.labelWords) : '';
    const text = m.deleted ? '' : m.body;
    const status = m.status ?? '';
    const a = m.deleted ? undefined : m.attachment;
    const kind = a === undefined ? KIND_TEXT : m.type;
    const fileName = a === undefined ? '' : a.name;
    const sizeText = a === undefined ? '' : humanSize(a.size);
    const mime = a === undefined ? '' : a.mime;
    const authorName = this.group && !m.own ? this.app.nameOf(m.author) : '';
    const r = prev === undefined ? undefined : prev.row;
    if (
      r !== undefined &&
      r.id === m.id &&
      r.text === text &&
      r.status === status &&
      r.timeLabel === label &&
      r.author === m.author &&
      r.mine === m.own &&
      r.sentAt === m.sentAt &&
      r.kind === kind &&
      r.fileName === fileName &&
      r.sizeText === sizeText &&
      r.authorName === authorName
    ) {
      return new ChatEntry(m, r, anchor);
    }
    return new ChatEntry(m, new ChatRow(m.id, m.author, text, m.own, status, label, m.sentAt, kind, fileName, sizeText, mime, authorName), anchor);
  }

  /** First loaded position whose message sorts at or after `m`. */
  private lowerBound(m: Message): number {
    let lo = 0;
    let hi = this.entries.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      const e = this.entries.at(mid);
      if (e !== undefined && displayOrder(e.msg, m) < 0) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }
}

/** A loaded message, the row it shows as, and the time-label anchor after it (timeLabelFlags' state). */
class ChatEntry {
  readonly msg: Message;
  readonly row: ChatRow;
  /** sentAt of the last message at or above this one that shows a time label. */
  readonly anchor: number;
  constructor(msg: Message, row: ChatRow, anchor: number) {
    this.msg = msg;
    this.row = row;
    this.anchor = anchor;
  }
}

/** The chat's display order: by HLC stamp, then id. */
function displayOrder(a: Message, b: Message): number {
  return a.hlc < b.hlc ? -1 : a.hlc > b.hlc ? 1 : a.id < b.id ? -1 : a.id > b.id ? 1 : 0;
}

/** A conversation list row's preview of a draft: marked as one, on one line (the row shows one). */
function draftPreview(draft: string, words: TimeWords): string {
  return words.draftPrefix + draft.trim().replace(/\s+/g, ' ');
}

/** A conversation list row's (and a notification's) preview of the last message: `[Image] name` for attachments. */
function lastPreview(last: LastMessage, words: TimeWords): string {
  return messagePreview(last.type, last.body, last.attachment === undefined ? '' : last.attachment.name, words);
}

/** client-core's refusal of an attachment, as the reason the page shows (HAPP-ATTACH-1). */
function attachmentError(e: Error): AttachmentError {
  if (e instanceof AttachmentError) return e;
  const code = e instanceof ConcordError ? e.code : '';
  if (code === ClientErrorCode.AttachmentTooBig) return new AttachmentError(AttachmentFailure.TooBig, e.message);
  if (code === ClientErrorCode.EmptyAttachment) return new AttachmentError(AttachmentFailure.Empty, e.message);
  if (code === ClientErrorCode.AttachmentUnavailable) return new AttachmentError(AttachmentFailure.NotUploaded, e.message);
  if (code === ClientErrorCode.Network) return new AttachmentError(AttachmentFailure.Offline, e.message);
  if (code === ClientErrorCode.AttachmentMismatch) return new AttachmentError(AttachmentFailure.Damaged, e.message);
  return new AttachmentError(AttachmentFailure.Other, e.message);
}

function inDisplayOrder(list: readonly Message[]): Message[] {
  return list.slice().sort(displayOrder);
}

class SessionReason {
  reason: string = '';
}

class StorageFailure {
  doc: string | null = null;
  error: Error = new Error('storage failure');
}

/** client-core's NetworkSource over the platform's onOnline. */
class NetworkBridge {
  private readonly subscribe: (callback: () => void) => () => void;
  constructor(subscribe: (callback: () => void) => () => void) {
    this.subscribe = subscribe;
  }
  onOnline(callback: () => void): () => void {
    return this.subscribe(callback);
  }
}

class AttachmentChunking {
  readonly digest?: DigestFactory;
  constructor(digest: DigestFactory | null) {
    if (digest !== null) this.digest = digest;
  }
}

/** client-core's sendAttachment options: whole percents to the page, each once (HAPP-ATTACH-2). */
class AttachmentSendOptions {
  readonly onProgress?: (done: number, total: number) => void;
  constructor(percent: ((percent: number) => void) | undefined) {
    if (percent === undefined) return;
    let last = -1;
    this.onProgress = (done: number, total: number): void => {
      const p = total === 0 ? 100 : Math.floor((done * 100) / total);
      if (p === last) return;
      last = p;
      percent(p);
    };
  }
}

class HistoryLimits {
  readonly segmentMessages?: number;
  constructor(segmentMessages: number | undefined) {
    if (segmentMessages !== undefined) this.segmentMessages = segmentMessages;
  }
}

class DirectChatRequest {
  readonly kind: 'direct' = 'direct';
  readonly members: string[];
  constructor(userId: string) {
    this.members = [userId];
  }
}

/** The reason a new-chat request failed, from client-core's errors (status 0 = the server was not reached). */
function newChatError(e: Error): NewChatError {
  if (e instanceof HttpError && e.status === 0) return new NewChatError(NewChatFailure.Offline, e.message);
  return new NewChatError(NewChatFailure.Other, e.message);
}

function disposeView(conv: Conversation): void {
  try {
    conv.dispose();
  } catch (e) {
    // Already closed with its client.
  }
}

class Heartbeat {
  readonly intervalMs: number;
  readonly maxMissed: number;
  constructor(intervalMs: number, maxMissed: number) {
    this.intervalMs = intervalMs;
    this.maxMissed = maxMissed;
  }
}

/** Digits only (timestamps): no TextEncoder in the ArkTS globals. */
function asciiBytes(s: string): Uint8Array {
  const out = new Uint8Array(s.length);
  for (let i = 0; i < s.length; i++) out[i] = s.charCodeAt(i) & 0x7f;
  return out;
}

function fromAscii(b: Uint8Array): string {
  let s = '';
  for (let i = 0; i < b.length; i++) s += String.fromCharCode(b[i] ?? 0);
  return s;
}
