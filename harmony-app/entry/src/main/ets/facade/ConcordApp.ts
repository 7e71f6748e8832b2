/*
 * The small, ArkTS-clean facade the .ets pages call (no any/unknown, no structural typing, no index signatures,
 * classes only). It owns one client-core `Concord`, turns its events into LazyForEach list models, and keeps the
 * account, connection-light and notification state the pages need. scripts/check-ets.mjs lints this file as ArkTS.
 */
import { Concord } from '@concord/client-core';
import type { Conversation, ConversationSummaryView, Message, ConnectionStatus, WebSocketCtor } from '@concord/client-core';
import type { StorageAdapter } from '@concord/storage-adapters';
import { KeyedListModel } from '../logic/listModel';
import { badgeText, chatTimeLabel, humanizedTime, timeLabelFlags, wordsFor, TimeWords } from '../logic/timeLabels';
import { LinkLight, linkLight } from '../logic/linkLight';
import { ChatRow, ConversationRow, DeviceRow } from './rows';
import { FetchInit } from '../platform/httpFetch';
import type { FetchResponse } from '../platform/httpFetch';
import type { IncomingMessage } from '../platform/notifier';

export type FetchFn = (url: string, init?: FetchInit) => Promise<FetchResponse>;

/** What the app tells the facade about notifications; MessageNotifier implements it on a device. */
export interface Notifications {
  notify(msg: IncomingMessage, unreadTotal: number): Promise<boolean>;
  conversationRead(conversationId: string, unreadTotal: number): Promise<void>;
  setBadge(unreadTotal: number): Promise<void>;
}
export type IncomingFactory = (conversationId: string, title: string, preview: string, muted: boolean) => IncomingMessage;

export class AppPlatform {
  readonly WebSocket: WebSocketCtor;
  readonly storage: StorageAdapter;
  readonly fetch: FetchFn;
  readonly random: (length: number) => Uint8Array;
  readonly onOnline: (callback: () => void) => () => void;
  readonly notifications: Notifications | null;
  readonly incoming: IncomingFactory | null;
  readonly deviceName: string;
  readonly heartbeatMs: number;
  constructor(
    webSocket: WebSocketCtor,
    storage: StorageAdapter,
    fetch: FetchFn,
    random: (length: number) => Uint8Array,
    onOnline: (callback: () => void) => () => void,
    notifications: Notifications | null,
    incoming: IncomingFactory | null,
    deviceName: string,
    heartbeatMs: number,
  ) {
    this.WebSocket = webSocket;
    this.storage = storage;
    this.fetch = fetch;
    this.random = random;
    this.onOnline = onOnline;
    this.notifications = notifications;
    this.incoming = incoming;
    this.deviceName = deviceName;
    this.heartbeatMs = heartbeatMs;
  }
}

export enum SessionEnd {
  LoggedOut = 0,
  Revoked = 1,
  VersionMismatch = 2,
}

export type SessionEndListener = (why: SessionEnd, reason: string) => void;

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

  readonly client: Concord;
  private readonly platform: AppPlatform;
  private readonly serverUrl: string;
  private readonly now: () => number;

  private constructor(client: Concord, platform: AppPlatform, serverUrl: string, now: () => number) {
    this.client = client;
    this.platform = platform;
    this.serverUrl = serverUrl;
    this.now = now;
    client.events.on('conversations', (list: readonly ConversationSummaryView[]) => this.onConversations(list));
    client.events.on('connection', (s: ConnectionStatus) => {
      this.state = s.state;
      this.changed();
    });
    client.events.on('sessionInvalid', (e: SessionReason) => this.end(SessionEnd.Revoked, e.reason));
    client.events.on('versionMismatch', (e: SessionReason) => this.end(SessionEnd.VersionMismatch, e.reason));
  }

  static create(platform: AppPlatform, serverUrl: string, now: () => number = Date.now): ConcordApp {
    const client = new Concord({
      serverUrl: serverUrl,
      WebSocket: platform.WebSocket,
      storage: platform.storage,
      fetch: platform.fetch,
      random: platform.random,
      network: new NetworkBridge(platform.onOnline),
      deviceName: platform.deviceName,
      heartbeat: new Heartbeat(platform.heartbeatMs, 2),
      now: now,
    });
    return new ConcordApp(client, platform, serverUrl.replace(/\/$/, ''), now);
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
    if (s !== null) await this.loadHidden();
    return s !== null;
  }

  async login(username: string, password: string): Promise<void> {
    this.sessionStart = this.now();
    await this.client.login(username, password);
    await this.loadHidden();
  }

  async register(username: string, password: string, displayName: string): Promise<void> {
    this.sessionStart = this.now();
    await this.client.register(username, password, displayName.length > 0 ? displayName : undefined);
    await this.loadHidden();
  }

  async logout(): Promise<void> {
    await this.client.logout();
    this.conversations.set([]);
    this.end(SessionEnd.LoggedOut, '');
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

  // ---- chats -----------------------------------------------------------------------------------------------
  async openChat(id: string): Promise<ChatSession> {
    const conv = await this.client.conversation(id);
    this.openChatId = id;
    const title = this.latest.find((c: ConversationSummaryView) => c.id === id);
    return new ChatSession(this, conv, title === undefined ? '' : title.title, this.now);
  }

  chatClosed(id: string): void {
    if (this.openChatId === id) this.openChatId = '';
  }

  timeWords(): TimeWords {
    return this.words;
  }

  async chatRead(id: string): Promise<void> {
    const n = this.platform.notifications;
    if (n !== null) await n.conversationRead(id, this.unreadTotal());
  }

  // ---- devices ---------------------------------------------------------------------------------------------
  async devices(): Promise<DeviceRow[]> {
    const res = await this.platform.fetch(`${this.serverUrl}/v1/sessions`, this.authInit('GET'));
    if (!res.ok) throw new Error(`devices: HTTP ${res.status}`);
    const parsed = JSON.parse(await res.text()) as DevicesBody;
    const out: DeviceRow[] = [];
    const list = parsed.devices ?? [];
    for (const d of list) {
      const seen = typeof d.lastSeenAt === 'number' ? humanizedTime(d.lastSeenAt, this.now(), this.words) : '';
      out.push(new DeviceRow(d.deviceId, d.name ?? d.deviceId, d.current === true, seen));
    }
    return out;
  }

  /** Logs this device out: revokes its session on the server when reachable and erases local data. */
  async logOutThisDevice(): Promise<void> {
    await this.logout();
  }

  private authInit(method: string): FetchInit {
    const init = new FetchInit();
    init.method = method;
    const s = this.client.session;
    const headers: Record<string, string> = {};
    if (s !== null) headers['authorization'] = `Bearer ${s.token}`;
    init.headers = headers;
    return init;
  }

  // ---- internals -------------------------------------------------------------------------------------------
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
      const preview = c.draft.length > 0 ? c.draft : c.lastMessage === null ? '' : c.lastMessage.body;
      rows.push(
        new ConversationRow(c.id, c.title, preview, humanizedTime(c.lastActivity, now, this.words), c.unread, badgeText(c.unread), c.pinned, c.muted, c.lastActivity),
      );
    }
    this.conversations.set(rows);
    this.notifyNew(list, prevTotal);
    this.changed();
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
      n.notify(make(c.id, c.title, last.body, c.muted), total).catch(() => undefined);
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
  private messages: Message[] = [];
  private exhausted = false;
  private readonly off: () => void;

  private readonly app: ConcordApp;
  private readonly conv: Conversation;
  readonly title: string;
  private readonly now: () => number;

  constructor(app: ConcordApp, conv: Conversation, title: string, now: () => number) {
    this.app = app;
    this.conv = conv;
    this.title = title;
    this.now = now;
    this.off = conv.events.on('messages', (newest: readonly Message[]) => this.merge(newest));
    this.merge(conv.messages());
  }

  get id(): string {
    return this.conv.id;
  }

  get hasOlder(): boolean {
    return !this.exhausted;
  }

  async send(text: string): Promise<void> {
    const t = text.trim();
    if (t.length === 0) return;
    await this.conv.send(t);
  }

  async retry(messageId: string): Promise<void> {
    await this.conv.retry(messageId);
  }

  /**
   * Loads the page before the oldest shown message, from local storage or, for segments this device does not
   * hold, from the server (SEG-5). False when nothing older came: at the start of the chat (then `hasOlder` turns
   * false) or offline before a segment this device does not hold (then a later scroll tries again).
   */
  async loadOlder(): Promise<boolean> {
    const first = this.messages.length > 0 ? this.messages[0] : undefined;
    if (first === undefined || this.exhausted) return false;
    const older = await this.conv.loadOlder(first.id, PAGE);
    if (older.length === 0) {
      this.exhausted = this.conv.reachedStart;
      return false;
    }
    const have = this.messages.length > 0 ? this.messages[0] : undefined;
    if (have === undefined || have.id !== first.id) return false;
    this.messages = older.concat(this.messages);
    this.render();
    return true;
  }

  async markRead(): Promise<void> {
    await this.conv.markRead();
    await this.app.chatRead(this.conv.id);
  }

  close(): void {
    this.off();
    this.app.chatClosed(this.conv.id);
  }

  /** The newest page replaces the tail; pages already loaded above it stay. */
  private merge(newest: readonly Message[]): void {
    const byId = new Map<string, Message>();
    for (const m of this.messages) byId.set(m.id, m);
    for (const m of newest) byId.set(m.id, m);
    const all = Array.from(byId.values());
    all.sort((a: Message, b: Message) => (a.hlc < b.hlc ? -1 : a.hlc > b.hlc ? 1 : a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
    this.messages = all;
    this.render();
  }

  private render(): void {
    const now = this.now();
    const words = this.app.timeWords();
    const flags = timeLabelFlags(this.messages.map((m: Message) => m.sentAt));
    const rows: ChatRow[] = [];
    for (let i = 0; i < this.messages.length; i++) {
      const m = this.messages[i];
      if (m === undefined) continue;
      const label = flags[i] === true ? chatTimeLabel(m.sentAt, now, words) : '';
      rows.push(new ChatRow(m.id, m.author, m.deleted ? '' : m.body, m.own, m.status ?? '', label, m.sentAt));
    }
    this.rows.set(rows);
  }
}

class SessionReason {
  reason: string = '';
}

class DeviceBody {
  deviceId: string = '';
  name?: string;
  current?: boolean;
  lastSeenAt?: number;
}

class DevicesBody {
  devices?: DeviceBody[];
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
