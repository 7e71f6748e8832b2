/*
 * The app's facade end to end, on every OpenHarmony stand-in at once (WebSocket, HTTP, RDB, cryptoFramework,
 * NetConnection, notificationManager), against the real sync-server on port 0: what a DAYU200 user does, minus
 * the pixels. Waits poll state with a deadline (the facade is UI-facing: its observable is state, not events).
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { StandInRelationalStore } from '@concord/storage-adapters/rdb-standin';
import { startServer, type TestServer } from '../../sync-server/test/helpers/server';
import { AppPlatform, ConcordApp, SessionEnd } from '../entry/src/main/ets/facade/ConcordApp';
import { ohosWebSocketCtor, type SocketObserver } from '../entry/src/main/ets/platform/OhosWebSocket';
import { ohosFetch } from '../entry/src/main/ets/platform/httpFetch';
import { CryptoFrameworkRandom } from '../entry/src/main/ets/platform/cryptoRandom';
import { OhosNetworkSource } from '../entry/src/main/ets/platform/networkSource';
import { AbilityTarget, IncomingMessage, MessageNotifier } from '../entry/src/main/ets/platform/notifier';
import { AccountRoutedStorage, dbNameForUser, type RelationalStoreModule } from '../entry/src/main/ets/platform/accountStorage';
import { LinkLight } from '../entry/src/main/ets/logic/linkLight';
import { StandinWebSocketModule } from './standins/nativeWebSocket';
import { StandinHttpModule } from './standins/http';
import { StandinCryptoFramework } from './standins/cryptoFramework';
import { StandinConnectionModule } from './standins/netConnection';
import { StandinNotificationManager, StandinWantAgentModule } from './standins/notificationManager';

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

async function waitFor(what: string, pred: () => boolean, ms = 8000): Promise<void> {
  const end = Date.now() + ms;
  while (!pred()) {
    if (Date.now() > end) throw new Error(`timed out waiting for: ${what}`);
    await new Promise((r) => setTimeout(r, 15));
  }
}

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
  dir: string;
}

async function device(): Promise<Device> {
  const dir = mkdtempSync(join(tmpdir(), 'concord-dev-'));
  const rdb = new StandInRelationalStore(dir) as unknown as RelationalStoreModule<object>;
  const storage = await AccountRoutedStorage.open(rdb, {});
  const sockets = new StandinWebSocketModule();
  const http = new StandinHttpModule();
  const net = new StandinConnectionModule();
  net.nets.add(1);
  const network = new OhosNetworkSource(net);
  const notifications = new StandinNotificationManager();
  const observer = new Observer();
  const random = new CryptoFrameworkRandom(new StandinCryptoFramework());
  const platform = new AppPlatform(
    ohosWebSocketCtor(sockets, observer),
    storage,
    ohosFetch(http),
    (n) => random.bytes(n),
    (cb) => network.onOnline(cb),
    new MessageNotifier(notifications, new StandinWantAgentModule(), new AbilityTarget('org.concord.im', 'EntryAbility')),
    (id, title, preview, muted) => new IncomingMessage(id, title, preview, muted),
    'test-board',
    400,
  );
  const app = ConcordApp.create(platform, srv.url);
  observer.app = app;
  network.onOffline(() => app.networkLost());
  network.start();
  cleanups.push(async () => {
    await app.client.close();
    await storage.close();
    rmSync(dir, { recursive: true, force: true });
  });
  return { app, notifications, net, sockets, http, dir };
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
    const res = await ohosFetch(other.http)(`${srv.url}/v1/sessions/${victim.deviceId}`, {
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
});
