/*
 * The app's facade end to end, on every OpenHarmony stand-in at once (WebSocket, HTTP, RDB, cryptoFramework,
 * NetConnection, notificationManager), against the real sync-server on port 0: what a DAYU200 user does, minus
 * the pixels. Waits poll state with a deadline (the facade is UI-facing: its observable is state, not events).
 */
import { waitFor as waitForCondition } from '@concord/test-support';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { StandInRelationalStore } from '@concord/storage-adapters/rdb-standin';
import { startServer, type TestServer } from '../../sync-server/test/helpers/server';
import { MAX_ATTACHMENT_BYTES, MAX_MESSAGE_LENGTH, type ConversationId } from '@concord/client-core';
import { AppPlatform } from '../entry/src/main/ets/facade/appPlatform';
import { AttachmentError, AttachmentFailure, AttachmentMeta } from '../entry/src/main/ets/facade/attachments';
import { ConcordApp } from '../entry/src/main/ets/facade/ConcordApp';
import { SessionEnd } from '../entry/src/main/ets/facade/appClient';
import { type ChatSession } from '../entry/src/main/ets/facade/chatSession';
import { NewChatError, NewChatFailure } from '../entry/src/main/ets/facade/newChat';
import { DRAFT_SAVE_MS } from '@concord/client-core';
import type { ChatRow } from '../entry/src/main/ets/facade/rows';
import { ohosSocketFactory, type SocketObserver } from '../entry/src/main/ets/platform/OhosWebSocket';
import { ohosFetch } from '../entry/src/main/ets/platform/httpFetch';
import { CryptoFrameworkRandom } from '../entry/src/main/ets/platform/cryptoRandom';
import { OhosNetworkSource } from '../entry/src/main/ets/platform/networkSource';
import { AbilityTarget, IncomingMessage, MessageNotifier } from '../entry/src/main/ets/platform/notifier';
import { AccountRoutedStorage, dbNameForUser, type RelationalStoreModule } from '../entry/src/main/ets/platform/accountStorage';
import { LinkLight } from '../entry/src/main/ets/logic/linkLight';
import type { ListListener } from '../entry/src/main/ets/logic/listModel';
import { StandinWebSocketModule } from './standins/nativeWebSocket';
import { StandinHttpModule } from './standins/http';
import { StandinCryptoFramework } from './standins/cryptoFramework';
import { StandinConnectionModule } from './standins/netConnection';
import { StandinNotificationManager, StandinWantAgentModule } from './standins/notificationManager';
import { Utf8Codec } from '../entry/src/main/ets/platform/textCodecs';
import { standinUtil } from './standins/util';
/** `@ohos.util`'s codecs (stand-in), as bootstrap.ts gives them to the adapters. */
const codec = new Utf8Codec(standinUtil);

let srv: TestServer;
const cleanups: (() => Promise<void> | void)[] = [];
beforeAll(async () => {
  srv = await startServer();
});
afterAll(async () => {
  await srv.stop();
});
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

const waitFor = (what: string, pred: () => boolean, ms = 8000): Promise<void> => waitForCondition(what, pred, ms);

class Observer implements SocketObserver {
  app: ConcordApp | null = null;
  opened(): void {
    this.app?.socketOpened();
  }
  frame(): void {
    this.app?.socketFrame();
  }
  closed(): void {
    this.app?.socketClosed();
  }
}

interface Device {
  app: ConcordApp;
  notifications: StandinNotificationManager;
  net: StandinConnectionModule;
  sockets: StandinWebSocketModule;
  http: StandinHttpModule;
  storage: AccountRoutedStorage<object>;
  dir: string;
  /** HTTP requests go to a port nothing listens on (the native request fails to connect). */
  unreachable: boolean;
}

interface DeviceOptions {
  /** Reuse this data directory (the same install after an app restart); removed by its first owner's cleanup. */
  dir?: string;
  segmentMessages?: number;
}

async function device(opts: DeviceOptions = {}): Promise<Device> {
  const dir = opts.dir ?? mkdtempSync(join(tmpdir(), 'concord-dev-'));
  const rdb = new StandInRelationalStore(dir) as unknown as RelationalStoreModule<object>;
  const storage = await AccountRoutedStorage.open(rdb, {}, codec);
  const sockets = new StandinWebSocketModule();
  const http = new StandinHttpModule();
  const net = new StandinConnectionModule();
  net.nets.add(1);
  const network = new OhosNetworkSource(net);
  const notifications = new StandinNotificationManager();
  const observer = new Observer();
  const random = new CryptoFrameworkRandom(new StandinCryptoFramework());
  const fetchOhos = ohosFetch(http, (b: Uint8Array) => codec.decode(b));
  const state = { unreachable: false };
  const platform = new AppPlatform(
    ohosSocketFactory(sockets, observer),
    storage,
    (url, init) => fetchOhos(state.unreachable ? url.replace(srv.url, 'http://127.0.0.1:9') : url, init),
    (n) => random.bytes(n),
    (cb) => network.onOnline(cb),
    new MessageNotifier(notifications, new StandinWantAgentModule(), new AbilityTarget('org.concord.im', 'EntryAbility')),
    (id, title, preview, muted) => new IncomingMessage(id, title, preview, muted),
    'test-board',
    400,
    storage.settings(),
  );
  const app = ConcordApp.create(platform, srv.url, Date.now, opts.segmentMessages ?? 0);
  observer.app = app;
  network.onOffline(() => app.networkLost());
  network.start();
  cleanups.push(async () => {
    await app.client.close();
    await storage.close();
    if (opts.dir === undefined) rmSync(dir, { recursive: true, force: true });
  });
  return {
    app,
    notifications,
    net,
    sockets,
    http,
    storage,
    dir,
    get unreachable() {
      return state.unreachable;
    },
    set unreachable(v: boolean) {
      state.unreachable = v;
    },
  };
}

/** Segment numbers of a conversation's history that client-core holds in memory (SEG-7). */
function loadedSegments(app: ConcordApp, conv: string): number[] {
  type Histories = { get(id: ConversationId): { segments(): Iterable<{ n: number }> } };
  const rt = (app.client as unknown as { runtime: { histories: Histories } | null }).runtime;
  if (rt === null) throw new Error('no runtime');
  return [...rt.histories.get(conv as ConversationId).segments()].map((s) => s.n).sort((x, y) => x - y);
}

/** Revokes `victim`'s device session from another device of the same account, and waits for it to be told. */
async function kick(victim: Device, username: string, password: string): Promise<void> {
  const ends: SessionEnd[] = [];
  const off = victim.app.onSessionEnd((why) => ends.push(why));
  const other = await device();
  await other.app.login(username, password);
  await other.app.client.revokeDevice(victim.app.client.session!.deviceId);
  await waitFor('kicked', () => ends.includes(SessionEnd.Revoked));
  off();
}

const pw = (username: string) => `password-${username}`;

/** Two fresh devices with a new account each: alice on `a`, bob (display name "Bob B.") on `b`. */
async function twoUsers(opts: DeviceOptions = {}): Promise<{ a: Device; b: Device; alice: string; bob: string }> {
  const alice = uniq('alice');
  const bob = uniq('bob');
  const a = await device(opts);
  const b = await device(opts);
  await a.app.register(alice, pw(alice), 'Alice');
  await b.app.register(bob, pw(bob), 'Bob B.');
  return { a, b, alice, bob };
}

/** An attachment's bytes once its sender's upload is through (until then: NotUploaded, and nothing else). */
async function bytesOnceUploaded(chat: ChatSession, row: ChatRow): Promise<Uint8Array> {
  let bytes = null as Uint8Array | null;
  const uploaded = async (): Promise<boolean> => {
    try {
      bytes = await chat.attachmentBytes(row);
      return true;
    } catch (e) {
      expect((e as AttachmentError).failure).toBe(AttachmentFailure.NotUploaded);
      return false;
    }
  };
  await waitForCondition('the upload to be through', uploaded, { timeoutMs: 8000, intervalMs: 50 });
  if (bytes === null) throw new Error('unreachable: waited for the bytes');
  return bytes;
}

const lit = (app: ConcordApp) => app.light() === LinkLight.Green || app.light() === LinkLight.Pulse;

let n = 0;
const uniq = (s: string) => `${s}${++n}${Date.now() % 100000}`;

describe('ConcordApp on the OpenHarmony stand-ins against a real server', () => {
  it('two users chat: list rows, badge, notification with a tap target, bubbles with status, the light', async () => {
    const a = await device();
    const b = await device();
    await a.app.register(uniq('alice'), 'password-alice-1', 'Alice');
    await b.app.register(uniq('bob'), 'password-bob-1', 'Bob');
    await waitFor('both online', () => lit(a.app) && lit(b.app));
    // Each account has its own RDB file.
    expect(dbNameForUser(a.app.userId)).not.toBe(dbNameForUser(b.app.userId));

    const convId = await a.app.client.createConversation({ kind: 'direct', members: [b.app.userId] });
    await waitFor('bob lists it', () => b.app.conversations.indexOfKey(convId) >= 0);

    const chatA = await a.app.openChat(convId);
    await chatA.send('hello from the board');
    await waitFor('bob unread badge', () => b.app.conversations.at(b.app.conversations.indexOfKey(convId))?.badge === '1');
    const rowB = b.app.conversations.at(b.app.conversations.indexOfKey(convId))!;
    expect(rowB.preview).toBe('hello from the board');
    await waitFor('bob notified', () => b.notifications.published.length === 1);
    expect(b.notifications.published[0]!.content.normal!.text).toBe('hello from the board');
    expect(b.notifications.badge).toBe(1);
    expect(a.notifications.published).toHaveLength(0); // own message: never notified

    await waitFor('delivered', () => chatA.rows.all()[0]?.status === 'delivered');
    expect(chatA.rows.all()[0]!.mine).toBe(true);
    expect(chatA.rows.all()[0]!.timeLabel).not.toBe('');

    const chatB = await b.app.openChat(convId);
    expect(chatB.rows.all().map((r) => r.text)).toEqual(['hello from the board']);
    await chatB.markRead();
    await waitFor('read', () => chatA.rows.all()[0]?.status === 'read');
    await waitFor('badge cleared', () => b.notifications.badge === 0 && b.notifications.shown.size === 0);
    chatA.close();
    chatB.close();

    // Every socket went through the adapter, one native object per connection.
    expect(a.sockets.created.length).toBeGreaterThan(0);
    expect(a.http.created.every((r) => r.destroyed)).toBe(true);
  });

  it('pins and hides a chat; a newer message brings a hidden chat back', async () => {
    const a = await device();
    const b = await device();
    await a.app.register(uniq('carol'), 'password-carol-1', '');
    await b.app.register(uniq('dave'), 'password-dave-1', '');
    const c1 = await a.app.client.createConversation({ kind: 'direct', members: [b.app.userId] });
    await waitFor('listed', () => a.app.conversations.indexOfKey(c1) >= 0);
    await a.app.setPinned(c1, true);
    await waitFor('pinned', () => a.app.conversations.at(a.app.conversations.indexOfKey(c1))?.pinned === true);
    await a.app.hide(c1);
    expect(a.app.conversations.indexOfKey(c1)).toBe(-1);
    await waitFor('dave lists it', () => b.app.conversations.indexOfKey(c1) >= 0);
    const chat = await b.app.openChat(c1);
    await new Promise((r) => setTimeout(r, 5)); // a strictly newer activity time than the hide
    await chat.send('ping');
    await waitFor('back in the list', () => a.app.conversations.indexOfKey(c1) >= 0);
    chat.close();
  });

  it('a device revoked from another device ends its session with Revoked (kicked -> login page)', async () => {
    const user = uniq('erin');
    const a = await device();
    await a.app.register(user, 'password-erin-1', '');
    await waitFor('online', () => lit(a.app));
    const ends: SessionEnd[] = [];
    a.app.onSessionEnd((why) => ends.push(why));
    const other = await device();
    await other.app.login(user, 'password-erin-1');
    const devices = await other.app.devices();
    expect(devices).toHaveLength(2);
    const victim = devices.find((d) => !d.current)!;
    const res = await ohosFetch(other.http, (b: Uint8Array) => codec.decode(b))(`${srv.url}/v1/sessions/${victim.deviceId}`, {
      method: 'DELETE',
      headers: { authorization: `Bearer ${other.app.client.session!.token}` },
    });
    expect(res.status).toBeLessThan(300);
    await waitFor('kicked', () => ends.includes(SessionEnd.Revoked));
    await waitFor('light grey', () => a.app.light() === LinkLight.Grey);
  });

  it('the light greys within seconds when the link dies, and the network source reconnects at once', async () => {
    const a = await device();
    await a.app.register(uniq('frank'), 'password-frank-1', '');
    await waitFor('online', () => lit(a.app));
    a.net.down(1);
    expect(a.app.light()).toBe(LinkLight.Grey);
    // Heartbeat 400 ms: without frames the light goes grey on its own within ~600 ms even if no one says so.
    a.net.up(1);
    const before = a.sockets.created.length;
    a.app.client.dropConnection();
    a.net.up(2);
    await waitFor('reconnected through a new native socket', () => a.sockets.created.length > before && lit(a.app), 3000);
  });

  it('CONN-6: a kicked device that logs in again as the same account keeps its chat history and sends what was written meanwhile', async () => {
    const { a, b, alice, bob } = await twoUsers();
    const { conversationId: convId } = await a.app.startDirectChat(bob);
    const chatA = await a.app.openChat(convId);
    for (const t of ['one', 'two', 'three']) await chatA.send(t);
    await waitFor('sent', () => chatA.rows.all().every((r) => r.status !== 'sending'));
    chatA.close();
    const file = dbNameForUser(a.app.userId);
    const docsBefore = (await a.storage.listDocs()).length;

    await kick(a, alice, pw(alice));
    // Kicked (the page is on login now): the facade kept the client and its storage, so the chat still reads
    // offline, and a message written now waits for the next login.
    expect(a.app.loggedIn).toBe(true);
    const offline = await a.app.openChat(convId);
    expect(offline.rows.all().map((r) => r.text)).toEqual(['one', 'two', 'three']);
    await offline.send('written while kicked');
    expect(offline.rows.all().at(-1)!.status).toBe('sending');
    offline.close();

    await a.app.login(alice, pw(alice));
    // Same account: the same RDB file, nothing re-created, and the list and history come from it at once.
    expect(a.storage.account).toBe(a.app.userId);
    expect(readdirSync(a.dir).filter((f) => f.startsWith('concord_u_') && f.endsWith('.db'))).toEqual([file]);
    expect((await a.storage.listDocs()).length).toBeGreaterThanOrEqual(docsBefore);
    expect(a.app.conversations.indexOfKey(convId)).toBeGreaterThanOrEqual(0);
    const again = await a.app.openChat(convId);
    expect(again.rows.all().map((r) => r.text)).toEqual(['one', 'two', 'three', 'written while kicked']);
    await waitFor('online again', () => lit(a.app));
    await waitFor('bob gets what was written while kicked', () => b.app.conversations.at(b.app.conversations.indexOfKey(convId))?.preview === 'written while kicked');
    await waitFor('acknowledged', () => again.rows.all().at(-1)!.status !== 'sending');
    again.close();
  });

  it('CONN-6: another account on a kicked device sees none of the previous account\'s chats or notifications; each keeps its own file', async () => {
    const { a, b, alice } = await twoUsers();
    const carol = uniq('carol');
    await (await device()).app.register(carol, pw(carol), 'Carol');
    const aliceId = a.app.userId;
    const { conversationId: convId } = await b.app.startDirectChat(alice);
    const chatB = await b.app.openChat(convId);
    await chatB.send('for alice only');
    await waitFor('alice notified', () => a.notifications.shown.size === 1 && a.notifications.badge === 1);
    chatB.close();

    await kick(a, alice, pw(alice));
    await a.app.login(carol, pw(carol));
    // Carol's list is empty, Alice's banner and badge are gone, and client-core only sees Carol's file.
    expect(a.app.userId).not.toBe(aliceId);
    expect(a.app.conversations.count()).toBe(0);
    expect(a.app.client.conversations().map((x) => x.id)).not.toContain(convId);
    expect(a.notifications.shown.size).toBe(0);
    expect(a.notifications.badge).toBe(0);
    expect(a.storage.account).toBe(a.app.userId);
    expect(readdirSync(a.dir)).toEqual(expect.arrayContaining([dbNameForUser(aliceId), dbNameForUser(a.app.userId)]));

    // Back to Alice (log Carol out, which erases only Carol's file): her chat is there before any sync.
    await a.app.logout();
    await a.app.login(alice, pw(alice));
    expect(a.app.conversations.indexOfKey(convId)).toBeGreaterThanOrEqual(0);
    expect(a.app.conversations.at(a.app.conversations.indexOfKey(convId))!.preview).toBe('for alice only');
  });

  it('a kicked device can register a new account from the login page without erasing the kicked account\'s data', async () => {
    const { a, alice, bob } = await twoUsers();
    const aliceId = a.app.userId;
    const { conversationId: convId } = await a.app.startDirectChat(bob);
    const chat = await a.app.openChat(convId);
    await chat.send('kept in alice\'s file');
    chat.close();

    await kick(a, alice, pw(alice));
    await a.app.register(uniq('dana'), 'password-dana-1', '');
    expect(a.app.userId).not.toBe(aliceId);
    expect(a.app.conversations.count()).toBe(0);
    await waitFor('online as the new account', () => lit(a.app));

    await a.app.logout();
    await a.app.login(alice, pw(alice));
    expect(a.app.conversations.at(a.app.conversations.indexOfKey(convId))?.preview).toBe('You: kept in alice\'s file');
  });

  it('new chat by exact username opens the direct chat (the same one again), and says why when it cannot', async () => {
    const { a, b, alice, bob: bobName } = await twoUsers();
    const failure = async (name: string): Promise<NewChatFailure> => {
      try {
        await a.app.startDirectChat(name);
      } catch (e) {
        if (e instanceof NewChatError) return e.failure;
        throw e;
      }
      throw new Error(`started a chat with ${name}`);
    };
    expect(await failure(`${bobName}x`)).toBe(NewChatFailure.UnknownUser);
    expect(await failure(alice)).toBe(NewChatFailure.Self);
    expect(await failure('   ')).toBe(NewChatFailure.EmptyName);
    // The network source says the link is gone: refused at once, without waiting for an HTTP timeout.
    a.net.down(1);
    expect(await failure(bobName)).toBe(NewChatFailure.Offline);
    a.net.up(1);
    // The network looks up but the server cannot be reached (the native request fails to connect).
    a.unreachable = true;
    expect(await failure(bobName)).toBe(NewChatFailure.Offline);
    a.unreachable = false;

    const chat = await a.app.startDirectChat(` ${bobName} `);
    expect(chat.title).toBe('Bob B.');
    await waitFor('listed', () => a.app.conversations.indexOfKey(chat.conversationId) >= 0);
    await waitFor('bob lists it', () => b.app.conversations.indexOfKey(chat.conversationId) >= 0);
    expect((await a.app.startDirectChat(bobName)).conversationId).toBe(chat.conversationId);
    const session = await a.app.openChat(chat.conversationId, chat.title);
    expect(session.title).not.toBe('');
    await session.send('hi bob');
    await waitFor('bob gets it', () => b.app.conversations.at(b.app.conversations.indexOfKey(chat.conversationId))?.preview === 'hi bob');
    session.close();
  });

  it('the privacy notice is accepted once per install: kept across restarts, logout and another account; a new install asks again', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'concord-install-'));
    cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
    const first = await device({ dir });
    expect(await first.app.privacyAccepted()).toBe(false);
    await first.app.acceptPrivacy();
    expect(await first.app.privacyAccepted()).toBe(true);
    await first.app.register(uniq('gina'), 'password-gina-1', '');
    await first.app.logout();
    expect(await first.app.privacyAccepted()).toBe(true);
    await first.app.client.close();
    await first.storage.close();

    // The app restarted on the same install: still accepted, also with another account logged in.
    const restarted = await device({ dir });
    expect(await restarted.app.privacyAccepted()).toBe(true);
    await restarted.app.register(uniq('hank'), 'password-hank-1', '');
    expect(await restarted.app.privacyAccepted()).toBe(true);
    // A fresh install (another data directory) shows the notice again.
    expect(await (await device()).app.privacyAccepted()).toBe(false);
  });

  it('SEG-7: back at the bottom the older pages are let go, and leaving the chat after paging back leaves only the head loaded', async () => {
    const { a, bob } = await twoUsers({ segmentMessages: 5 });
    const { conversationId: convId } = await a.app.startDirectChat(bob);
    const writing = await a.app.openChat(convId);
    for (let i = 0; i < 170; i++) await writing.send(`m${i}`);
    // The newest page carries live statuses; idle = every handshake done, nothing unacknowledged left to offer.
    await waitFor('all acknowledged', () => writing.rows.all().slice(-50).every((r) => r.status !== 'sending') && a.app.client.isIdle, 20000);
    writing.close();
    const head = loadedSegments(a.app, convId).at(-1)!;
    await waitFor('only the head after closing', () => loadedSegments(a.app, convId).join() === `${head}`);
    expect(a.app.openViews).toBe(0);

    const chat = await a.app.openChat(convId);
    const firstScreen = loadedSegments(a.app, convId);
    expect(chat.rows.count()).toBe(50);
    expect(firstScreen.length).toBeGreaterThan(1);
    // The first older page adds its 50 rows on top and touches one shown row: the old top row, whose time label
    // the page above takes over (all 170 were sent within seconds). The other rows keep their objects, unless a
    // delivery receipt from bob's device moved their status meanwhile.
    const screen = chat.rows.all();
    const events: string[] = [];
    const recorder: ListListener = {
      onReloaded: () => events.push('reload'),
      onAdded: (i) => events.push(`add${i}`),
      onDeleted: (i) => events.push(`del${i}`),
      onChanged: (i) => events.push(`chg${i}`),
    };
    chat.rows.addListener(recorder);
    expect(await chat.loadOlder()).toBe(true);
    chat.rows.removeListener(recorder);
    expect(events.slice(0, 50)).toEqual(Array.from({ length: 50 }, (_, i) => `add${i}`));
    const touched = events.slice(50).map((e) => (e.startsWith('chg') ? Number(e.slice(3)) - 50 : -1));
    expect(touched).toContain(0);
    for (const i of touched) expect(i === 0 || (i > 0 && chat.rows.at(50 + i)!.status !== screen[i]!.status), `event at ${i + 50}`).toBe(true);
    expect(chat.rows.at(0)!.timeLabel).not.toBe('');
    expect(chat.rows.at(50)!.key).toBe(screen[0]!.key);
    expect(chat.rows.at(50)!.timeLabel).toBe('');
    for (let i = 1; i < 50; i++) if (!touched.includes(i)) expect(chat.rows.at(50 + i)).toBe(screen[i]);
    for (let page = 1; page < 3; page++) expect(await chat.loadOlder()).toBe(true);
    expect(chat.rows.count()).toBe(170);
    expect(chat.hasOlder).toBe(true);
    expect(await chat.loadOlder()).toBe(false);
    expect(chat.hasOlder).toBe(false);
    expect(loadedSegments(a.app, convId)[0]).toBe(0);

    // Back at the bottom: the rows and the loaded segments shrink to the newest screen.
    chat.atBottom();
    expect(chat.rows.count()).toBe(50);
    expect(chat.rows.all().at(-1)!.text).toBe('m169');
    await waitFor('evicted to the first screen', () => loadedSegments(a.app, convId).join() === firstScreen.join());
    expect(chat.hasOlder).toBe(true);

    // Page back again, then leave: the view is disposed and only the head stays in memory.
    expect(await chat.loadOlder()).toBe(true);
    expect(await chat.loadOlder()).toBe(true);
    expect(loadedSegments(a.app, convId).length).toBeGreaterThan(firstScreen.length);
    chat.close();
    expect(a.app.openViews).toBe(0);
    await waitFor('only the head after leaving', () => loadedSegments(a.app, convId).join() === `${head}`);
    // Reopening starts from the newest screen again.
    const reopened = await a.app.openChat(convId);
    expect(reopened.rows.count()).toBe(50);
    expect(loadedSegments(a.app, convId)).toEqual(firstScreen);
    reopened.close();
  });

  it('HAPP-DRAFT-1: unsent text is the draft: written once after the pause, listed as a draft on both devices of the account, back when the chat reopens, cleared by sending', async () => {
    const { a, b, alice, bob } = await twoUsers();
    const { conversationId: convId } = await a.app.startDirectChat(bob);
    const a2 = await device();
    await a2.app.login(alice, pw(alice));
    const preview = (d: Device) => d.app.conversations.at(d.app.conversations.indexOfKey(convId))?.preview;
    await waitFor('listed on both of alice\'s devices and bob\'s', () => preview(a) === 'No messages yet' && preview(a2) === 'No messages yet' && preview(b) === 'No messages yet');
    // Open and untouched on alice's second device: a draft written on the first arrives in its composer.
    const other = await a2.app.openChat(convId);
    const otherShown: string[] = [];
    other.onDraftChanged((text) => otherShown.push(text));
    expect(other.draft).toBe('');

    const writes: { text: string; at: number }[] = [];
    const setDraft = a.app.client.setDraft.bind(a.app.client);
    vi.spyOn(a.app.client, 'setDraft').mockImplementation((id, text) => {
      writes.push({ text, at: Date.now() });
      return setDraft(id, text);
    });
    const chat = await a.app.openChat(convId);
    expect(chat.draft).toBe('');
    const typed = 'half a thought';
    let lastKey = 0;
    for (let i = 1; i <= typed.length; i++) {
      chat.editDraft(typed.slice(0, i));
      lastKey = Date.now();
      await new Promise((r) => setTimeout(r, 25));
    }
    expect(writes).toEqual([]); // not one write per key
    expect(preview(a)).toBe('No messages yet');
    await waitFor('written after the pause', () => writes.length > 0);
    expect(writes.map((w) => w.text)).toEqual([typed]);
    expect(writes[0]!.at - lastKey).toBeGreaterThanOrEqual(DRAFT_SAVE_MS - 5);
    await waitFor('listed as a draft', () => preview(a) === `Draft: ${typed}`);
    await waitFor('listed as a draft on the other device', () => preview(a2) === `Draft: ${typed}`);
    await waitFor('in the other device\'s untouched composer', () => other.draft === typed);
    expect(otherShown).toEqual([typed]);
    a.app.setLanguage('zh-Hans');
    expect(preview(a)).toBe(`[草稿] ${typed}`);
    a.app.setLanguage('en');
    // Bob never sees alice's draft.
    expect(preview(b)).toBe('No messages yet');
    // Edited back to what is stored within the pause: nothing to write.
    chat.editDraft(`${typed}!`);
    chat.editDraft(typed);
    await new Promise((r) => setTimeout(r, DRAFT_SAVE_MS + 150));
    expect(writes).toHaveLength(1);

    // Leaving the chat right after an edit writes it at once, not after the pause.
    chat.editDraft(`${typed}, and more`);
    chat.close();
    expect(writes.map((w) => w.text)).toEqual([typed, `${typed}, and more`]);
    await waitFor('the other device follows', () => other.draft === `${typed}, and more`);

    // Reopened: the composer holds the draft.
    const again = await a.app.openChat(convId);
    expect(again.draft).toBe(`${typed}, and more`);

    // A send that fails (over-long, INPUT-1) puts its text back, and the draft follows after the pause, clipped to
    // what the server accepts (TRUST-9): the other device gets it.
    const tooLong = `${'x'.repeat(MAX_MESSAGE_LENGTH)}y`;
    await expect(again.send(tooLong)).rejects.toThrow();
    expect(again.draft).toBe(tooLong);
    await waitFor('the clipped draft reaches the other device', () => other.draft === 'x'.repeat(MAX_MESSAGE_LENGTH));
    expect(writes.map((w) => w.text.length).slice(2)).toEqual([0, MAX_MESSAGE_LENGTH]);

    // Sending clears the draft at once: the list shows the message on both devices, the other composer empties.
    again.editDraft(typed);
    await again.send(typed);
    expect(again.draft).toBe('');
    expect(writes.at(-1)!.text).toBe('');
    await waitFor('the message, not a draft, in the list', () => preview(a) === `You: ${typed}` && preview(a2) === `You: ${typed}`);
    await waitFor('the other device\'s composer cleared', () => other.draft === '');
    await waitFor('bob gets it', () => preview(b) === typed);
    // The row shows one line; blanks alone are no draft (the last message shows).
    again.editDraft(' two\n  lines ');
    again.flushDraft();
    await waitFor('a multi-line draft on one line', () => preview(a) === 'Draft: two lines');
    again.editDraft('   ');
    again.flushDraft();
    await waitFor('blanks are not listed as a draft', () => preview(a) === `You: ${typed}`);
    again.close();
    other.close();
  });

  it('HAPP-ATTACH-1: an image sent through the facade shows on the other device as an image with name and size, its bytes come back exactly, the list says [Image] name', async () => {
    const { a, b, bob } = await twoUsers();
    const { conversationId: convId } = await a.app.startDirectChat(bob);
    await waitFor('both online', () => lit(a.app) && lit(b.app));
    await waitFor('bob lists it', () => b.app.conversations.indexOfKey(convId) >= 0);
    const preview = (d: Device) => d.app.conversations.at(d.app.conversations.indexOfKey(convId))?.preview;
    const chatA = await a.app.openChat(convId);
    const chatB = await b.app.openChat(convId);

    // Not UTF-8 anywhere (0xff, 0xfe, NULs), bigger than one read: a text path anywhere would mangle it.
    const image = new Uint8Array(300 * 1024);
    for (let i = 0; i < image.length; i++) image[i] = (i * 131 + 255) & 0xff;

    // Written at once, even while the upload cannot reach the server: bob sees the row, the bytes are not there yet.
    a.unreachable = true;
    await chatA.sendAttachment(image, new AttachmentMeta('image', 'cat.png', 'image/png'));
    const mine = chatA.rows.all().at(-1)!;
    expect([mine.kind, mine.fileName, mine.sizeText, mine.mine, mine.text]).toEqual(['image', 'cat.png', '300 KB', true, 'cat.png']);
    expect(await chatA.attachmentBytes(mine)).toEqual(image); // the sender's own copy, offline
    await waitFor('bob gets the image row', () => chatB.rows.all().some((r) => r.kind === 'image'));
    const row = chatB.rows.all().find((r) => r.kind === 'image')!;
    expect([row.kind, row.fileName, row.sizeText, row.mine, row.mime]).toEqual(['image', 'cat.png', '300 KB', false, 'image/png']);
    await waitFor('bob\'s list says [Image] cat.png', () => preview(b) === '[Image] cat.png');
    // VIEW-6: one's own last message reads "You: …" in the list, as in the web client.
    expect(preview(a)).toBe('You: [Image] cat.png');
    b.app.setLanguage('zh-Hans');
    expect(preview(b)).toBe('[图片] cat.png');
    b.app.setLanguage('en');
    await expect(chatB.attachmentBytes(row.id)).rejects.toMatchObject({ failure: AttachmentFailure.NotUploaded });

    // Reachable again: the next send uploads both; bob downloads the image byte for byte.
    a.unreachable = false;
    const notes = new TextEncoder().encode('%PDF-1.4 not really\n');
    await chatA.sendAttachment(notes, new AttachmentMeta('file', 'notes.pdf', 'application/pdf'));
    await waitFor('bob\'s list says [File] notes.pdf', () => preview(b) === '[File] notes.pdf');
    const got = await bytesOnceUploaded(chatB, row);
    expect(got.byteLength).toBe(image.byteLength);
    expect(Buffer.compare(Buffer.from(got), Buffer.from(image))).toBe(0);
    // The upload went as raw bytes through the adapter (an ArrayBuffer extraData with the image's type).
    const put = a.http.created.find((r) => r.options?.method === 'PUT' && (r.options.header as Record<string, string>)['content-type'] === 'image/png');
    expect(put?.options?.extraData).toBeInstanceOf(ArrayBuffer);
    const fileRow = chatB.rows.all().find((r) => r.kind === 'file')!;
    expect([fileRow.fileName, fileRow.sizeText]).toEqual(['notes.pdf', '20 B']);

    // Offline without a copy: said so (the image is kept now, so it still opens).
    b.unreachable = true;
    await expect(chatB.attachmentBytes(fileRow)).rejects.toMatchObject({ failure: AttachmentFailure.Offline });
    expect(await chatB.attachmentBytes(row)).toEqual(image);
    b.unreachable = false;
    expect(await bytesOnceUploaded(chatB, fileRow)).toEqual(notes);

    // A voice message is listed as [Voice]; refusals say why; a text row has no attachment.
    await chatA.sendAttachment(new Uint8Array([1, 2, 3]), new AttachmentMeta('voice', 'Voice message', 'audio/mp4', 1500));
    await waitFor('bob\'s list says [Voice]', () => preview(b) === '[Voice]');
    await expect(chatA.sendAttachment(new Uint8Array(0), new AttachmentMeta('file', 'empty.txt', 'text/plain'))).rejects.toMatchObject({
      failure: AttachmentFailure.Empty,
    });
    await expect(chatA.sendAttachment(new Uint8Array(MAX_ATTACHMENT_BYTES + 1), new AttachmentMeta('file', 'big.bin', 'application/octet-stream'))).rejects.toMatchObject({
      failure: AttachmentFailure.TooBig,
    });
    await chatA.send('and a text');
    await waitFor('bob gets the text', () => chatB.rows.all().at(-1)?.text === 'and a text');
    const textRow = chatB.rows.all().at(-1)!;
    expect([textRow.kind, textRow.fileName, textRow.sizeText]).toEqual(['text', '', '']);
    await expect(chatB.attachmentBytes(textRow)).rejects.toMatchObject({ failure: AttachmentFailure.NotAnAttachment });
    chatA.close();
    chatB.close();
  });
});
