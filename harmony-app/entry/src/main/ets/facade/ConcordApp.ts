/*
 * The small, ArkTS-clean facade the .ets pages call (no any/unknown, no structural typing, no index signatures,
 * classes only). It owns the client-core `Concord` (one for the app's life: a kicked device logs in again on the
 * same one, CONN-6) and the account's session, and wires the parts each page uses: the conversation list
 * (conversationList.ts), notifications (notices.ts), the connection light (linkState.ts), open chats
 * (chatSession.ts), new chats (newChat.ts), per-install settings (appSettings.ts). What the pages show is written by
 * client-core's presentation layer (VIEW-*), shared with the web client. scripts/check-ets.mjs lints this as ArkTS.
 */
import { listTimeLabel, wordsFor } from '@concord/client-core';
import type { Concord, Conversation, ConversationRow, ConversationSummaryView, ViewWords } from '@concord/client-core';
import type { KeyedListModel } from '../logic/listModel';
import { LinkLight } from '../logic/linkLight';
import { AppClient, ClientEvents, SessionEnd } from './appClient';
import type { AppPlatform } from './appPlatform';
import { AppSettings } from './appSettings';
import { ChatSession } from './chatSession';
import type { ChatHost } from './chatSession';
import { ConversationList } from './conversationList';
import { LinkState } from './linkState';
import { MemberDirectory } from './memberNames';
import { NewChat, startDirectChat } from './newChat';
import { NewMessageNotices, NoticeNames } from './notices';
import { OpenChats } from './openChats';
import { DeviceRow } from './rows';
import { normalizeServerUrl, SERVER_URL_KEY } from './serverAddress';
import { subscribe } from './listeners';

export type SessionEndListener = (why: SessionEnd, reason: string) => void;

/** Settings key: the privacy notice was accepted on this install. */
export const PRIVACY_ACCEPTED = 'privacyAccepted';

export class ConcordApp implements ChatHost {
  private words: ViewWords = wordsFor('en');
  private readonly list: ConversationList;
  private readonly notices: NewMessageNotices;
  private readonly link: LinkState;
  private readonly endListeners: SessionEndListener[] = [];
  private readonly changeListeners: (() => void)[] = [];
  /** The account the list and notifications belong to ('' before the first session). */
  private account = '';
  private readonly chats = new OpenChats();
  private readonly settings: AppSettings;
  /** Who the account's chat members are (HAPP-NAMES-1): titles of direct chats, authors in groups. */
  private readonly directory: MemberDirectory;
  /** The client-core client and its life (appClient.ts). */
  private readonly runtime: AppClient;
  private readonly platform: AppPlatform;
  private storageFailure: Error | null = null;
  private readonly now: () => number;

  private constructor(platform: AppPlatform, serverUrl: string, now: () => number, segmentMessages: number) {
    this.platform = platform;
    this.now = now;
    this.directory = new MemberDirectory(platform.storage);
    this.settings = new AppSettings(platform.settings);
    this.list = new ConversationList(platform.storage);
    this.notices = new NewMessageNotices(platform.notifications, platform.incoming);
    this.link = new LinkState(now, platform.heartbeatMs);
    this.runtime = new AppClient(
      platform,
      serverUrl,
      now,
      segmentMessages,
      new ClientEvents(
        (list: readonly ConversationSummaryView[]) => this.onConversations(list),
        (state: string) => this.onConnection(state),
        (why: SessionEnd, reason: string) => this.end(why, reason),
        (error: Error) => {
          this.storageFailure = error;
          this.changed();
        },
      ),
    );
    // The network is back (the light was greyed by networkLost): the socket, if it survived, counts again.
    platform.onOnline(() => {
      this.link.networkUp = true;
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

  /** The conversation list's rows (client-core's ConversationRow, VIEW-6). */
  get conversations(): KeyedListModel<ConversationRow> {
    return this.list.rows;
  }

  /** The last storage failure client-core reported (HAPP-RDB-1), or null: the device could not save something. */
  get storageTrouble(): Error | null {
    return this.storageFailure;
  }

  /** The client-core client of this app (one for the app's life, except after a kicked device registers anew). */
  get client(): Concord {
    return this.runtime.client;
  }

  private onConnection(state: string): void {
    this.link.state = state;
    if (state === 'online') {
      // Names the server could not give before (or that were asked for offline) are asked for again.
      this.directory.retryUnnamed();
      this.lookUpNames(this.list.latest);
    }
    this.changed();
  }

  /** The client is replaced (another server, a fresh registration after a kick) over the same storage. */
  private async replaceClient(serverUrl: string): Promise<void> {
    this.chats.release(true);
    await this.runtime.replace(serverUrl);
    this.link.state = 'offline';
  }

  setLanguage(language: string): void {
    this.words = wordsFor(language);
    this.onConversations(this.list.latest);
  }

  timeWords(): ViewWords {
    return this.words;
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
    this.notices.sessionStart = this.now();
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
    this.notices.sessionStart = this.now();
    await this.client.login(username, password);
    await this.sessionStarted();
  }

  async register(username: string, password: string, displayName: string): Promise<void> {
    this.notices.sessionStart = this.now();
    // client-core registers only when logged out, and logging the kicked session out would erase its account's
    // file. A fresh client over the same storage instead: the kicked account's file stays for its next login.
    if (this.runtime.revoked) await this.replaceClient(this.runtime.serverUrl);
    await this.client.register(username, password, displayName.length > 0 ? displayName : undefined);
    await this.sessionStarted();
  }

  async logout(): Promise<void> {
    this.chats.release(true);
    await this.client.logout();
    this.list.clear();
    this.end(SessionEnd.LoggedOut, '');
  }

  /** Logs this device out: revokes its session on the server when reachable and erases local data. */
  async logOutThisDevice(): Promise<void> {
    await this.logout();
  }

  onSessionEnd(listener: SessionEndListener): () => void {
    return subscribe(this.endListeners, listener);
  }

  /** Any state the pages show changed (connection, list). */
  onChange(listener: () => void): () => void {
    return subscribe(this.changeListeners, listener);
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
    return this.runtime.serverUrl;
  }

  /**
   * Sets the sync server's address from what the user typed on the login page (throws a ServerAddressError when it
   * is not an http/https/ws/wss URL with a host) and remembers it for the next start. Only while no session is live:
   * client-core takes its server at construction, so the logged-out (or kicked) client is replaced by one for the
   * new address over the same storage; a kicked account's file stays, as for register.
   */
  async setServer(input: string): Promise<void> {
    const url = normalizeServerUrl(input);
    // The same server (the login page submits its field every time) is kept, whatever the session's state.
    if (url !== this.runtime.serverUrl && this.runtime.live) throw new Error('log out before changing the server');
    await this.settings.setText(SERVER_URL_KEY, url);
    if (url === this.runtime.serverUrl) return;
    await this.replaceClient(url);
    this.changed();
  }

  // ---- connection light ------------------------------------------------------------------------------------
  socketOpened(): void {
    this.link.socketOpened();
    this.changed();
  }
  socketFrame(): void {
    this.link.socketFrame();
  }
  socketClosed(): void {
    this.link.socketClosed();
    this.changed();
  }
  networkLost(): void {
    // The socket may not notice for a heartbeat or two; the user should see the loss now.
    this.link.networkUp = false;
    this.changed();
  }
  light(): LinkLight {
    return this.link.light();
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
    await this.list.hide(id, this.now());
    this.onConversations(this.list.latest);
  }

  unreadTotal(): number {
    return this.list.unreadTotal();
  }

  /** A listed chat's title (HAPP-NAMES-1); '' when the list does not have it. */
  chatTitle(id: string): string {
    const row = this.list.find(id);
    return row === undefined ? '' : this.directory.titleOf(row, this.userId);
  }

  /** A member's name as the chat shows it (HAPP-NAMES-1): display name, else username, else the id's start. */
  nameOf(userId: string): string {
    return this.directory.shown(userId);
  }

  /**
   * Starts (or finds: the server keeps one direct chat per pair) the direct chat with the user whose username is
   * exactly `username`. Online only; fails with a NewChatError saying why (no such user, offline, yourself).
   */
  async startDirectChat(username: string): Promise<NewChat> {
    return startDirectChat(this.client, this.directory, this.userId, this.link.networkUp, username);
  }

  // ---- chats -----------------------------------------------------------------------------------------------
  /** `title` is shown until the list knows the chat (a chat started a moment ago). */
  async openChat(id: string, title: string = ''): Promise<ChatSession> {
    const conv = await this.client.conversation(id);
    const row = this.list.find(id);
    const known = this.chatTitle(id);
    const meta = conv.meta;
    const group = row !== undefined ? row.kind === 'group' : meta !== null && meta.kind === 'group';
    const session = new ChatSession(this, conv, known.length === 0 ? title : known, this.now, row === undefined ? '' : row.draft, group, row === undefined ? 0 : row.unread);
    this.chats.opened(conv, session);
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
    this.chats.closed(conv, session);
  }

  /** Chat views still open (pages not yet left). */
  get openViews(): number {
    return this.chats.viewCount;
  }

  /** The time, for the open chats' "last seen" lines. */
  nowMs(): number {
    return this.now();
  }

  /**
   * [HAPP-NOTIFY-1] EntryAbility's onForeground / onBackground. In the background new messages notify (NOTIFY-1); back
   * in the foreground a link that died while the app was suspended reconnects at once instead of after its backoff
   * (HAPP-BG-1), and the open chat's notification goes.
   */
  setForeground(foreground: boolean): void {
    if (this.notices.foreground === foreground) return;
    this.notices.foreground = foreground;
    if (!foreground || !this.loggedIn) return;
    this.client.resume();
    this.onConversations(this.list.latest);
    this.chats.refreshStatus();
  }

  /** A chat page was shown or hidden: only a chat on screen keeps its messages from notifying (HAPP-READ-1). */
  chatVisible(id: string, visible: boolean): void {
    this.chats.visible(id, visible);
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
      out.push(new DeviceRow(d.deviceId, d.name.length > 0 ? d.name : d.deviceId, d.current, listTimeLabel(d.lastSeenAt, this.now(), this.words)));
    }
    return out;
  }

  // ---- internals -------------------------------------------------------------------------------------------
  /** A session began (login, register, restore): the list, hidden chats and notifications are this account's. */
  private async sessionStarted(): Promise<void> {
    this.runtime.revoked = false;
    const user = this.userId;
    if (user !== this.account) {
      // Another account on this device: nothing of the previous one may stay on screen or in the shade.
      const previous = this.account;
      this.account = user;
      this.notices.clear();
      this.chats.onScreen = '';
      this.list.clear();
      const n = this.platform.notifications;
      if (previous.length > 0 && n !== null) await n.accountChanged().catch(() => undefined);
    }
    // Views of the runtime a re-login replaced are dead: drop them (their pages were closed with the session).
    this.chats.release(false);
    await this.directory.load();
    await this.list.loadHidden();
    this.onConversations(this.client.conversations());
  }

  private onConversations(list: readonly ConversationSummaryView[]): void {
    const me = this.userId;
    const title = (c: ConversationSummaryView): string => this.directory.titleOf(c, me);
    this.list.update(list, me, title, (u: string): string => this.directory.shown(u), this.now(), this.words);
    this.chats.listChanged((id: string) => this.list.find(id));
    this.notices.changed(list, me, this.chats.onScreen, new NoticeNames(title, (u: string): string => this.directory.shown(u), this.words));
    this.lookUpNames(list);
    this.changed();
  }

  /**
   * Members of the listed chats without a known name are looked up on the server (HAPP-NAMES-1); when names come,
   * the list, and the open chats' author lines, are rewritten. Offline it waits for the link (the connection event).
   */
  private lookUpNames(list: readonly ConversationSummaryView[]): void {
    const me = this.userId;
    if (me.length === 0 || this.link.state !== 'online') return;
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
        this.onConversations(this.list.latest);
        this.chats.namesChanged();
      })
      .catch(() => undefined);
  }

  private end(why: SessionEnd, reason: string): void {
    for (const l of this.endListeners.slice()) l(why, reason);
  }

  private changed(): void {
    for (const l of this.changeListeners.slice()) l();
  }
}
