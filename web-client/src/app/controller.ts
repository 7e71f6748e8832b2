/**
 * The app's state outside the UI: one Concord client over IndexedDB, who is logged in, the connection state, the
 * conversation list and the member directory. The UI subscribes and re-renders on `changed`; all calls into
 * client-core go through here so components stay thin.
 */
import {
  Concord,
  HttpError,
  type ConnectionStatus,
  type ConversationSummaryView,
  type NetworkSource,
  w3cSocketFactory,
} from '@concord/client-core';
import { IndexedDbStorageAdapter } from '@concord/storage-adapters/indexeddb';
import { Directory, memberName, type MemberName } from './directory.js';
import { BrowserNotifier } from './notifications.js';

export type Phase = 'loading' | 'auth' | 'ready';

const ME_KEY = 'concord.me';

/** Who is logged in, as shown: their id, username and display name. */
export type Me = MemberName;

/**
 * A browser tab should notice a dead link and a returning server faster than a battery-powered board: PING every
 * 5 s (dead after 2 silent intervals) and retry at most 5 s apart. The browser's own `offline` event drops the
 * link at once (WEB-CONN-1).
 */
const HEARTBEAT = { intervalMs: 5_000, maxMissed: 2 };
const BACKOFF = { baseMs: 300, capMs: 5_000 };

export class AppController {
  readonly concord: Concord;
  readonly directory: Directory;
  readonly notifier: BrowserNotifier;
  phase: Phase = 'loading';
  me: Me | null = null;
  connection: ConnectionStatus = { state: 'offline', reason: null };
  conversations: readonly ConversationSummaryView[] = [];
  /** Shown on the login screen, e.g. after this device was logged out elsewhere. */
  notice: string | null = null;
  private readonly listeners = new Set<() => void>();
  private refreshing: Promise<void> | null = null;

  constructor(readonly serverUrl: string) {
    const network: NetworkSource = {
      onOnline(callback) {
        window.addEventListener('online', callback);
        return () => window.removeEventListener('online', callback);
      },
    };
    this.concord = new Concord({
      serverUrl,
      openSocket: w3cSocketFactory(window.WebSocket),
      fetch: (url, init) => window.fetch(url, init),
      storage: new IndexedDbStorageAdapter({ name: 'concord' }),
      network,
      heartbeat: HEARTBEAT,
      backoff: BACKOFF,
      deviceName: describeBrowser(),
    });
    this.directory = new Directory(safeLocalStorage());
    this.directory.subscribe(() => this.changed());
    this.notifier = new BrowserNotifier({
      me: () => this.me?.userId ?? null,
      titleOf: (c) => this.titleOf(c),
      nameOf: (id) => this.directory.name(id),
      open: (id) => {
        location.hash = `#/c/${encodeURIComponent(id)}`;
      },
    });
    window.addEventListener('offline', () => {
      this.concord.dropConnection();
      this.changed();
    });
    window.addEventListener('online', () => this.changed());
    const ev = this.concord.events;
    ev.on('connection', (s) => {
      this.connection = s;
      if (s.state === 'online') void this.refreshNames();
      this.changed();
    });
    ev.on('conversations', (list) => {
      this.conversations = list;
      this.notifier.update(list);
      if (this.connection.state === 'online' && list.some((c) => c.members.some((m) => !this.directory.has(m)))) {
        void this.refreshNames();
      }
      this.changed();
    });
    ev.on('sessionInvalid', () => {
      // Keep the local data: logging in again as the same account resumes with its history and sends what was
      // written meanwhile (client-core CONN-6); another account's login wipes it.
      void this.signedOut('This device was logged out. Log in again to continue.', true);
    });
  }

  /** Resume a stored session (works offline). */
  async start(): Promise<void> {
    try {
      const s = await this.concord.restore();
      if (s === null) {
        this.phase = 'auth';
      } else {
        this.me = loadMe(s.userId) ?? { userId: s.userId, username: s.userId, displayName: s.userId };
        this.enter();
      }
    } catch (err) {
      this.notice = `Could not open local data: ${errorText(err)}`;
      this.phase = 'auth';
    }
    this.changed();
  }

  async register(username: string, password: string, displayName: string): Promise<void> {
    const s = await this.concord.register(username, password, displayName === '' ? undefined : displayName);
    this.me = { userId: s.userId, username: username.toLowerCase(), displayName: displayName === '' ? username : displayName };
    saveMe(this.me);
    this.enter();
  }

  async login(username: string, password: string): Promise<void> {
    const s = await this.concord.login(username, password);
    this.me = { userId: s.userId, username: username.toLowerCase(), displayName: username };
    saveMe(this.me);
    this.enter();
    void this.refreshMe();
  }

  /** Log this device out: revoke on the server when reachable, and erase local data. */
  async logout(): Promise<void> {
    await this.concord.logout();
    await this.signedOut(null);
  }

  async createChat(kind: 'direct' | 'group', usernames: readonly string[], title?: string): Promise<string> {
    const id = await this.concord.createConversation({ kind, usernames, ...(title ? { title } : {}) });
    void this.refreshNames();
    return id;
  }

  /** Conversation title: the group's title, or for a direct chat the other member's name. */
  titleOf(c: Pick<ConversationSummaryView, 'kind' | 'title' | 'members'>): string {
    if (c.kind === 'group' && c.title !== '') return c.title;
    const others = c.members.filter((m) => m !== this.me?.userId);
    if (others.length === 0) return c.title || 'Just me';
    return others.map((m) => this.directory.name(m)).join(', ');
  }

  nameOf(userId: string): string {
    if (userId === this.me?.userId) return 'You';
    return this.directory.name(userId);
  }

  /**
   * What the indicator shows: client-core's state, except that with the browser reporting no network it is
   * `offline` outright rather than flickering to `connecting` on each doomed retry.
   */
  get shownConnection(): ConnectionStatus {
    if (navigator.onLine === false && this.connection.state !== 'online') return { state: 'offline', reason: 'no network' };
    return this.connection;
  }

  subscribe(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  refreshNames(): Promise<void> {
    if (this.concord.session === null) return Promise.resolve();
    this.refreshing ??= this.concord
      .memberDirectory()
      .then((members) => this.directory.add(members.map(memberName)))
      .catch(() => undefined)
      .finally(() => {
        this.refreshing = null;
      });
    return this.refreshing;
  }

  private async refreshMe(): Promise<void> {
    if (this.concord.session === null) return;
    try {
      const me = memberName(await this.concord.account());
      this.me = me;
      saveMe(me);
      this.directory.add([me]);
      this.changed();
    } catch {
      // Offline: the name typed at login stands in.
    }
  }

  private enter(): void {
    this.phase = 'ready';
    this.notice = null;
    this.connection = this.concord.connection;
    try {
      this.conversations = this.concord.conversations();
    } catch {
      this.conversations = [];
    }
    this.changed();
  }

  private async signedOut(notice: string | null, keepData = false): Promise<void> {
    if (!keepData && this.concord.session !== null) {
      try {
        await this.concord.logout();
      } catch {
        // Already closed.
      }
    }
    safeLocalStorage()?.removeItem(ME_KEY);
    this.directory.clear();
    this.me = null;
    this.conversations = [];
    this.notifier.reset();
    this.connection = { state: 'offline', reason: null };
    this.phase = 'auth';
    this.notice = notice;
    if (location.hash !== '') location.hash = '';
    this.changed();
  }

  private changed(): void {
    for (const l of this.listeners) l();
  }
}

export function errorText(err: unknown): string {
  if (err instanceof HttpError && err.status === 0) return 'Cannot reach the server. Check your connection.';
  if (err instanceof Error) return err.message;
  return String(err);
}

function describeBrowser(): string {
  const ua = navigator.userAgent;
  const browser = /Edg\//.test(ua) ? 'Edge' : /Chrom(e|ium)\//.test(ua) ? 'Chromium' : /Firefox\//.test(ua) ? 'Firefox' : /Safari\//.test(ua) ? 'Safari' : 'Browser';
  const os = /Android/.test(ua) ? 'Android' : /Linux/.test(ua) ? 'Linux' : /Mac OS/.test(ua) ? 'macOS' : /Windows/.test(ua) ? 'Windows' : /iPhone|iPad/.test(ua) ? 'iOS' : '';
  return os === '' ? browser : `${browser} on ${os}`;
}

function safeLocalStorage(): Storage | null {
  try {
    return window.localStorage;
  } catch {
    return null;
  }
}

function loadMe(userId: string): Me | null {
  try {
    const raw = safeLocalStorage()?.getItem(ME_KEY);
    if (raw === null || raw === undefined) return null;
    const v = JSON.parse(raw) as Partial<Me>;
    if (v.userId === userId && typeof v.username === 'string' && typeof v.displayName === 'string') {
      return { userId, username: v.username, displayName: v.displayName };
    }
  } catch {
    // fall through
  }
  return null;
}

function saveMe(me: Me): void {
  try {
    safeLocalStorage()?.setItem(ME_KEY, JSON.stringify(me));
  } catch {
    // Private mode: the name is fetched again next time.
  }
}
