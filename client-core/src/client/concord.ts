/**
 * The Concord client: the app's entry point. Session lifecycle (register, login, restore, logout, close) and the
 * account-level API; everything else lives in the Runtime of the active session.
 */
import type { StorageAdapter } from '@concord/storage-adapters';
import type { ConnectionStatus } from '../connection/connection.js';
import type { Conversation, Message } from '../conversation/conversation.js';
import type { ConversationSummaryView } from '../conversation/list.js';
import { ClientClosedError, ClientErrorCode, ConcordError, InvalidInputError, NotLoggedInError } from '../errors.js';
import { Emitter } from '../events/emitter.js';
import { HttpApi, type DeviceInfo, type SessionInfo, type UserInfo } from '../http/api.js';
import { defaultRandomBytes, type FetchLike, type RandomBytes } from '../platform.js';
import {
  asConversationId,
  isId,
  parseBlobUrl,
  type Attachment,
  type ConversationId,
  type MessageId,
  type FoundUser,
  type MeResponse,
  type PresenceVisibility,
  USER_DRAFTS,
  USER_PREFS,
  muteKey,
  pinKey,
  clearKey,
} from '@concord/protocol';
import type { TransferProgress } from '../attachments/transfer.js';
import type { ConcordOptions } from './options.js';
import type { Social } from '../social/social.js';
import { Runtime, type RuntimeEvents } from './runtime.js';
import type { PresenceView } from '../presence/presence.js';
import { loadSession, saveSession, wipeLocalData } from './sessionStore.js';
import { forwardMessage } from './forward.js';

export type ConcordEvents = RuntimeEvents;

const OWNER_KEY = 'owner';

export class Concord {
  readonly events = new Emitter<ConcordEvents>();
  private readonly api: HttpApi;
  private readonly storage: StorageAdapter;
  private readonly random: RandomBytes;
  private readonly fetchFn: FetchLike;
  private runtime: Runtime | null = null;
  /** The runtime's token was refused (4401): it stays for offline reading until the next login replaces it. */
  private sessionDead = false;
  private closed = false;
  private starting: Promise<unknown> | null = null;

  constructor(private readonly options: ConcordOptions) {
    const fetchFn: FetchLike | undefined = options.fetch ?? (globalThis.fetch as unknown as FetchLike | undefined);
    if (fetchFn === undefined) throw new InvalidInputError(ClientErrorCode.InvalidArgument, 'no fetch available');
    this.fetchFn = fetchFn;
    this.api = new HttpApi(options.serverUrl.replace(/\/$/, ''), fetchFn);
    this.storage = options.storage;
    this.random = options.random ?? defaultRandomBytes;
  }

  /** The active session, or null. */
  get session(): SessionInfo | null {
    return this.runtime?.session ?? null;
  }

  get connection(): ConnectionStatus {
    return this.runtime?.connection.state ?? { state: 'offline', reason: null };
  }

  /** Online with no handshake running. */
  get isIdle(): boolean {
    return this.runtime?.engine.isIdle ?? false;
  }

  /** Create an account and log this device in. After `sessionInvalid` it replaces the dead session (CONN-6). */
  async register(username: string, password: string, displayName?: string): Promise<SessionInfo> {
    this.assertOpen();
    if (this.runtime === null || !this.sessionDead) this.assertLoggedOut();
    const session = await this.api.register(username, password, displayName, this.options.deviceName);
    await this.endDeadRuntime();
    return this.begin(session);
  }

  /**
   * Log in. After `sessionInvalid` (the device was kicked or its token expired) this is how the app gets back: the
   * dead runtime is ended, and for the same account the local data (history, unsent messages) is kept.
   */
  async login(username: string, password: string): Promise<SessionInfo> {
    this.assertOpen();
    if (this.runtime === null || !this.sessionDead) this.assertLoggedOut();
    const session = await this.api.login(username, password, this.options.deviceName);
    await this.endDeadRuntime();
    return this.begin(session);
  }

  /** After `sessionInvalid`: end the runtime kept for offline reading (its data stays; `begin` decides). */
  private async endDeadRuntime(): Promise<void> {
    if (this.runtime === null || !this.sessionDead) return;
    const dead = this.runtime;
    this.runtime = null;
    this.sessionDead = false;
    await dead.close();
  }

  /** Resume the session stored on this device, offline. Resolves null when there is none. */
  async restore(): Promise<SessionInfo | null> {
    this.assertOpen();
    if (this.runtime !== null) return this.runtime.session;
    const s = await loadSession(this.storage);
    if (s === 'corrupt') {
      this.events.emit('storageError', { doc: null, error: new Error('stored session is unreadable') });
      return null;
    }
    if (s === null) return null;
    await this.startRuntime(s);
    return s;
  }

  /** Revoke this device's session on the server when reachable, stop syncing and erase local data. */
  async logout(): Promise<void> {
    this.assertOpen();
    const rt = this.runtime;
    if (rt === null) return;
    this.runtime = null;
    await rt.close();
    try {
      await this.api.revokeSession(rt.session.token, rt.session.deviceId);
    } catch {
      // Offline or already revoked: the local session is gone either way.
    }
    await wipeLocalData(this.storage);
  }

  /** Stop syncing and release everything; local data stays for the next `restore()`. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.starting?.catch(() => undefined);
    const rt = this.runtime;
    this.runtime = null;
    if (rt !== null) await rt.close();
    this.events.removeAll();
  }

  conversations(): ConversationSummaryView[] {
    return this.rt().conversations();
  }

  /**
   * Contacts, friend requests, blocks, privacy, profiles (offline-first, OUTBOX-1) and group management (online),
   * with live views over the user doc (SPEC 5a). One per session: take it again after a login.
   */
  get social(): Social {
    return this.rt().social;
  }

  totalUnread(): number {
    return this.rt().list.totalUnread();
  }

  /**
   * [PRES-1] Whether `userId` is online, or when they were last, as far as the server lets this account see
   * (PRES-3); `presence` events announce changes. Offline: nobody is online, last-seen times stay.
   */
  presenceOf(userId: string): PresenceView {
    return this.rt().presence.get(userId);
  }

  /** [PRES-3] Online only: who may see whether this account is online and when it was last. */
  async presenceVisibility(): Promise<PresenceVisibility> {
    return this.api.presenceVisibility(this.rt().session.token);
  }

  async setPresenceVisibility(visibility: PresenceVisibility): Promise<PresenceVisibility> {
    return this.api.setPresenceVisibility(this.rt().session.token, visibility);
  }

  async conversation(id: string): Promise<Conversation> {
    const rt = this.rt();
    return rt.conversation(this.convId(id));
  }

  async findUser(username: string): Promise<UserInfo | null> {
    const rt = this.rt();
    return this.api.findUser(rt.session.token, username);
  }

  /** Online only: the server creates it and mirrors it into every member's user doc. */
  async createConversation(input: {
    kind: 'direct' | 'group';
    members?: readonly string[];
    usernames?: readonly string[];
    title?: string;
  }): Promise<ConversationId> {
    const rt = this.rt();
    const members = new Set(input.members ?? []);
    for (const name of input.usernames ?? []) {
      const u = await this.api.findUser(rt.session.token, name);
      if (u === null) throw new InvalidInputError(ClientErrorCode.InvalidArgument, `no user named ${name}`);
      members.add(u.userId);
    }
    for (const m of members) if (!isId(m)) throw new InvalidInputError(ClientErrorCode.InvalidArgument, `bad user id ${m}`);
    const id = asConversationId(await this.api.createConversation(rt.session.token, input.kind, [...members], input.title));
    this.assertOpen();
    rt.need(id);
    return id;
  }

  /**
   * Leave a group (online only). The server removes this account and mirrors it; every device of the account then
   * drops the conversation from its list and its local copy (MEMBER-1).
   */
  async leaveConversation(conversationId: string): Promise<void> {
    const rt = this.rt();
    await this.api.leaveConversation(rt.session.token, this.convId(conversationId));
  }

  /** Remove another member from a group this account owns (online only, HTTP-20). */
  async removeMember(conversationId: string, userId: string): Promise<void> {
    const rt = this.rt();
    if (!isId(userId)) throw new InvalidInputError(ClientErrorCode.InvalidArgument, `bad user id ${userId}`);
    await this.api.removeMember(rt.session.token, this.convId(conversationId), userId);
  }

  setPinned(conversationId: string, pinned: boolean): Promise<void> {
    const id = this.convId(conversationId);
    return this.writeUserDoc(USER_PREFS, pinKey(id), pinned ? (this.options.now ?? Date.now)() : 0);
  }

  setMuted(conversationId: string, muted: boolean): Promise<void> {
    return this.writeUserDoc(USER_PREFS, muteKey(this.convId(conversationId)), muted);
  }

  /**
   * [CLEAR-1] Delete a conversation for this account, on every device of it: its messages so far are marked read and
   * hidden, and it leaves the list until a newer message arrives. Works offline (a user doc pref). Membership does not
   * change: `leaveConversation` leaves a group.
   */
  async deleteConversation(conversationId: string): Promise<void> {
    const id = this.convId(conversationId);
    const c = await this.conversation(id);
    const newest = c.messages({ limit: 1 })[0];
    await c.markRead();
    const upTo = Math.max((this.options.now ?? Date.now)(), newest?.sentAt ?? 0);
    await this.writeUserDoc(USER_PREFS, clearKey(id), upTo);
  }

  setDraft(conversationId: string, text: string): Promise<void> {
    return this.writeUserDoc(USER_DRAFTS, this.convId(conversationId), text);
  }

  /**
   * The bytes of a message's attachment (ATTACH-2): this device's copy when it has one (its own attachments, offline
   * included), else fetched from the server (BLOB-2), checked against the blob id and kept. A blob its sender has
   * not uploaded yet fails with `attachment_unavailable` (try again later); no copy and no server: `network`.
   */
  async attachmentBytes(message: Message): Promise<Uint8Array> {
    const rt = this.rt();
    const attachment = message?.attachment;
    if (attachment === undefined) throw new InvalidInputError(ClientErrorCode.InvalidArgument, 'the message has no attachment');
    const bytes = await rt.attachments.bytes(attachment);
    this.assertOpen();
    return bytes;
  }

  /**
   * [ATTACH-5] Where this device's upload of a message's attachment stands (`waiting`, `active`, `failed`,
   * `cancelled`); null when there is nothing to upload from here (uploaded, or another device's attachment). Live
   * progress comes as `transfer` events.
   */
  async uploadProgress(message: Message): Promise<TransferProgress | null> {
    const rt = this.rt();
    const ref = attachmentRef(message);
    const p = await rt.attachments.uploadProgress(ref.conversationId, ref.blobId);
    this.assertOpen();
    return p;
  }

  /**
   * [ATTACH-5] The user tapped retry: a given-up or cancelled upload of this message's attachment goes back in the
   * queue and out at once when online. Resolves false when this device does not have the bytes (another device's
   * attachment).
   */
  async retryUpload(message: Message): Promise<boolean> {
    const rt = this.rt();
    const ref = attachmentRef(message);
    return rt.attachments.retry(ref.conversationId, ref.blobId, ref.attachment.mime, ref.attachment.size);
  }

  /** [ATTACH-5] Stops this message's upload (at its next chunk); `retryUpload` starts it again. */
  async cancelUpload(message: Message): Promise<void> {
    const ref = attachmentRef(message);
    await this.rt().attachments.cancelUpload(ref.conversationId, ref.blobId);
  }

  /** [ATTACH-5] Stops a running `attachmentBytes` download of this message (it rejects with `cancelled`). */
  cancelDownload(message: Message): void {
    const ref = attachmentRef(message);
    this.rt().attachments.cancelDownload(ref.conversationId, ref.blobId);
  }

  /** This account's device sessions (GET /v1/sessions). Online only. */
  /**
   * [ACT-8] Forward a message into the conversation `to`: text as a new own message; an attachment by reference
   * (the server links its blob into `to`, no bytes are uploaded again; needs the server). Resolves with the new
   * message's id once it is in local storage.
   */
  async forward(message: Message, to: string): Promise<MessageId> {
    const rt = this.rt();
    const id = await forwardMessage(rt, this.api, this.random, message, this.convId(to));
    this.assertOpen();
    return id;
  }

  async devices(): Promise<DeviceInfo[]> {
    return this.api.listSessions(this.rt().session.token);
  }

  /** The account behind this device's session, as the server has it (GET /v1/me). Online only. */
  async account(): Promise<MeResponse> {
    return this.api.me(this.rt().session.token);
  }

  /**
   * The members of this account's conversations with their names, each user once (GET /v1/conversations). The docs
   * carry user ids only; the apps show names from this. Online only.
   */
  async memberDirectory(): Promise<FoundUser[]> {
    const listings = await this.api.listConversations(this.rt().session.token);
    // A role belongs to one conversation, not to the person: the directory keeps names only.
    const byId = new Map<string, FoundUser>();
    for (const c of listings) for (const { userId, username, displayName } of c.members) byId.set(userId, { userId, username, displayName });
    return [...byId.values()];
  }

  /** Revoke one of this account's devices ("kick"): its sockets close with 4401 and it stops syncing. */
  async revokeDevice(deviceId: string): Promise<void> {
    await this.api.revokeSession(this.rt().session.token, deviceId);
  }

  /**
   * Change this account's password (online only, AUTH-14). With `closeOtherSessions` every other device is signed
   * out (they get `sessionInvalid`); this one stays. Resolves with how many devices were signed out. A wrong
   * current password fails with `forbidden` (this session is still fine).
   */
  async changePassword(currentPassword: string, newPassword: string, options: { closeOtherSessions?: boolean } = {}): Promise<number> {
    return this.api.changePassword(this.rt().session.token, currentPassword, newPassword, options.closeOtherSessions === true);
  }

  /**
   * Delete this account on the server (online only, ACCOUNT-1), then end this device's session and wipe its local
   * data as `logout` does. A wrong password fails with `forbidden` and changes nothing.
   */
  async deleteAccount(password: string): Promise<void> {
    const rt = this.rt();
    await this.api.deleteAccount(rt.session.token, password);
    this.runtime = null;
    await rt.close();
    await wipeLocalData(this.storage);
  }

  /** This account's data as the server holds it (online only, EXPORT-1): the JSON object SPEC documents. */
  async exportData(): Promise<Record<string, unknown>> {
    return this.api.exportData(this.rt().session.token);
  }

  /**
   * The app came back to the foreground (HAPP-BG-1): a reconnect waiting out its backoff starts now. A link the
   * system cut while the app was suspended is noticed by its close or the heartbeat, and reconnects at once too.
   */
  resume(): void {
    this.runtime?.connection.kick();
  }

  /** Drop the connection now (as a network failure would); it reconnects with backoff. For tests and tools. */
  dropConnection(): void {
    this.runtime?.connection.drop();
  }

  private async writeUserDoc(map: string, key: string, value: number | boolean | string): Promise<void> {
    const h = this.rt().userDoc;
    h.transactLocal(() => h.doc.getMap<unknown>(map).set(key, value));
    await h.persisted();
  }

  private convId(id: string): ConversationId {
    if (!isId(id)) throw new InvalidInputError(ClientErrorCode.UnknownConversation, `bad conversation id ${JSON.stringify(id)}`);
    return id as ConversationId;
  }

  private async begin(s: SessionInfo): Promise<SessionInfo> {
    this.assertOpen();
    const owner = await this.storage.getKv(OWNER_KEY);
    if (owner !== undefined && new TextDecoder().decode(owner) !== s.userId) await wipeLocalData(this.storage);
    await this.storage.setKv(OWNER_KEY, new TextEncoder().encode(s.userId));
    await saveSession(this.storage, s);
    await this.startRuntime(s);
    return s;
  }

  private async startRuntime(s: SessionInfo): Promise<void> {
    const p = Runtime.start(s, this.storage, this.random, this.options, this.events, () => this.assertOpen(), this.fetchFn);
    this.starting = p;
    const rt = await p;
    if (this.closed) {
      await rt.close();
      throw new ClientClosedError();
    }
    this.runtime = rt;
    this.sessionDead = false;
    rt.connection.events.on('sessionInvalid', () => {
      // The token is dead: keep the data (unsent messages go out after the next login) but not the token.
      this.sessionDead = true;
      this.storage.deleteKv('session').catch(() => undefined);
    });
  }

  private rt(): Runtime {
    this.assertOpen();
    if (this.runtime === null) throw new NotLoggedInError();
    return this.runtime;
  }

  private assertOpen(): void {
    if (this.closed) throw new ClientClosedError();
  }

  private assertLoggedOut(): void {
    if (this.runtime !== null) throw new ConcordError(ClientErrorCode.AlreadyLoggedIn, 'already logged in; log out first');
  }
}

/** The conversation and blob of a message's attachment; a message without one (or with a foreign url) is refused. */
function attachmentRef(message: Message): { conversationId: ConversationId; blobId: string; attachment: Attachment } {
  const attachment = message?.attachment;
  if (attachment === undefined) throw new InvalidInputError(ClientErrorCode.InvalidArgument, 'the message has no attachment');
  const ref = parseBlobUrl(attachment.url);
  if (ref === null) throw new InvalidInputError(ClientErrorCode.InvalidArgument, `not a blob url of this server: ${JSON.stringify(attachment.url)}`);
  return { ...ref, attachment };
}
