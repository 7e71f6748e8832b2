/*
 * What a first user meets on a board (issue 14), through the facade on the OpenHarmony stand-ins against the real
 * sync-server on port 0: the server address, names of direct chats and group authors, reading while the chat is
 * shown. Each test starts with its SPEC.md section 10 rule.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startServer, type TestServer } from '../../sync-server/test/helpers/server';
import {
  DEFAULT_SERVER_URL,
  normalizeServerUrl,
  ServerAddressError,
  ServerAddressFailure,
  SERVER_URL_KEY,
  storedServerUrl,
} from '../entry/src/main/ets/facade/serverAddress';
import type { ChatSession } from '../entry/src/main/ets/facade/chatSession';
import type { ChatRow } from '../entry/src/main/ets/facade/rows';
import { appDevice, pw, uniq, waitFor, type AppDevice } from './helpers/appDevice';

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

function failureOf(input: string): ServerAddressFailure | 'accepted' {
  try {
    normalizeServerUrl(input);
    return 'accepted';
  } catch (e) {
    return (e as ServerAddressError).failure;
  }
}

describe('HAPP-SERVER-1: the server address is set on the login page', () => {
  it('HAPP-SERVER-1 accepts http/https/ws/wss URLs with a host, normalized, and refuses the rest', () => {
    expect(normalizeServerUrl(' http://192.168.1.20:1234/ ')).toBe('http://192.168.1.20:1234');
    expect(normalizeServerUrl('ws://Chat.Example.org:1234')).toBe('http://chat.example.org:1234');
    expect(normalizeServerUrl('wss://chat.example.org/concord/')).toBe('https://chat.example.org/concord');
    expect(normalizeServerUrl('https://[::1]:8443')).toBe('https://[::1]:8443');
    expect(failureOf('')).toBe(ServerAddressFailure.Empty);
    expect(failureOf('   ')).toBe(ServerAddressFailure.Empty);
    expect(failureOf('http://')).toBe(ServerAddressFailure.Malformed);
    expect(failureOf('192.168.1.20:1234')).toBe(ServerAddressFailure.Malformed);
    expect(failureOf('http://host:99999')).toBe(ServerAddressFailure.Malformed);
    expect(failureOf('http://bad host')).toBe(ServerAddressFailure.Malformed);
    expect(failureOf('ftp://host')).toBe(ServerAddressFailure.Scheme);
    expect(DEFAULT_SERVER_URL).toBe('http://127.0.0.1:1234');
  });

  it('HAPP-SERVER-1 a fresh install starts on the default, the address typed is used, remembered and changeable only logged out', async () => {
    // The default points at a port where no server runs here: the first register cannot reach a server.
    const d = await appDevice('http://127.0.0.1:9', cleanups);
    const settings = d.storage.settings();
    expect(await storedServerUrl(settings)).toBe(DEFAULT_SERVER_URL);
    const alice = uniq('alice');
    await expect(d.app.register(alice, pw(alice), 'Alice')).rejects.toThrow();

    await expect(d.app.setServer('gopher://nowhere')).rejects.toBeInstanceOf(ServerAddressError);
    expect(d.app.server).toBe('http://127.0.0.1:9');
    const typed = srv.url.replace(/^http/, 'ws') + '/';
    await d.app.setServer(typed);
    expect(d.app.server).toBe(normalizeServerUrl(srv.url));
    await d.app.register(alice, pw(alice), 'Alice');
    await waitFor('online', () => d.app.client.connection.state === 'online');
    // Remembered per install: the next start reads it from the device file.
    expect(await settings.getText(SERVER_URL_KEY)).toBe(normalizeServerUrl(srv.url));
    expect(await storedServerUrl(settings)).toBe(normalizeServerUrl(srv.url));
    // Not while a session is live (the chats belong to this server); after logout it can change again.
    await expect(d.app.setServer('http://10.0.0.1:1234')).rejects.toThrow(/log out/);
    await d.app.setServer(` ${srv.url}/ `); // the login page submitting the same address again is fine
    expect(d.app.client.session).not.toBeNull();
    await d.app.logout();
    await d.app.setServer('http://10.0.0.1:1234');
    expect(await storedServerUrl(settings)).toBe('http://10.0.0.1:1234');
  });
});

/** Two fresh devices with a new account each, and the direct chat alice started with bob, open on both. */
async function directChat(): Promise<{ a: AppDevice; b: AppDevice; alice: string; bob: string; chatA: ChatSession; chatB: ChatSession }> {
  const alice = uniq('alice');
  const bob = uniq('bob');
  const a = await appDevice(srv.url, cleanups);
  const b = await appDevice(srv.url, cleanups);
  await a.app.register(alice, pw(alice), 'Alice A.');
  await b.app.register(bob, pw(bob), 'Bob B.');
  const started = await a.app.startDirectChat(bob);
  const chatA = await a.app.openChat(started.conversationId, started.title);
  await chatA.send('first');
  await waitFor('bob lists the chat', () => b.app.conversations.all().some((r) => r.id === started.conversationId));
  const chatB = await b.app.openChat(started.conversationId);
  cleanups.push(() => {
    chatA.close();
    chatB.close();
  });
  return { a, b, alice, bob, chatA, chatB };
}

const statusOf = (chat: ChatSession, text: string): string => chat.rows.all().find((r: ChatRow) => r.text === text)?.status ?? '';
const unreadOf = (d: AppDevice, id: string): number => d.app.conversations.all().find((r) => r.id === id)?.unread ?? -1;

describe('HAPP-READ-1: an open chat on screen reads what arrives', () => {
  it('HAPP-READ-1 messages arriving while the chat is shown are read at once; hidden, they stay unread until shown', async () => {
    const { a, b, chatA, chatB } = await directChat();
    const id = chatB.id;
    chatB.setVisible(true);
    await waitFor('the first message read on opening', () => statusOf(chatA, 'first') === 'read');

    // Arrivals while shown: read without the page doing anything, and alice sees it.
    await chatA.send('second');
    await chatA.send('third');
    await waitFor('bob has them', () => chatB.rows.all().some((r) => r.text === 'third'));
    await waitFor('alice sees third read', () => statusOf(chatA, 'third') === 'read');
    await waitFor('no unread at bob', () => unreadOf(b, id) === 0);

    // The app goes to the background (the page is hidden): arrivals stay unread and notify.
    chatB.setVisible(false);
    const published = b.notifications.published.length;
    await chatA.send('while away');
    await waitFor('bob has it, unread', () => unreadOf(b, id) === 1);
    await waitFor('alice sees it delivered', () => statusOf(chatA, 'while away') === 'delivered');
    await waitFor('bob is notified', () => b.notifications.published.length === published + 1);
    expect(statusOf(chatA, 'while away')).toBe('delivered');

    // Back in the foreground: read.
    chatB.setVisible(true);
    await waitFor('read once shown', () => statusOf(chatA, 'while away') === 'read' && unreadOf(b, id) === 0);
    expect(a.app.userId).not.toBe(b.app.userId);
  });
});

const rowTitle = (d: AppDevice, id: string): string => d.app.conversations.all().find((r) => r.id === id)?.title ?? '(no row)';

describe('HAPP-NAMES-1: chats say who is in them', () => {
  it('HAPP-NAMES-1 a direct chat is titled with the other member in the list, the header and notifications, also offline after a restart', async () => {
    const { a, b, chatA, chatB } = await directChat();
    const id = chatA.id;
    await waitFor('alice lists Bob', () => rowTitle(a, id) === 'Bob B.');
    await waitFor('bob lists Alice', () => rowTitle(b, id) === 'Alice A.');
    expect(chatA.title).toBe('Bob B.'); // from startDirectChat's lookup
    chatB.close();
    const header = await b.app.openChat(id);
    cleanups.push(() => header.close());
    expect(header.title).toBe('Alice A.');
    header.close();

    // A message to bob while his chat is not open: the notification says who the chat is with.
    await chatA.send('are you there?');
    await waitFor('bob notified', () => b.notifications.published.some((r) => r.content.normal?.text.includes('are you there?') === true));
    const shown = b.notifications.published.find((r) => r.content.normal?.text.includes('are you there?') === true);
    expect(shown?.content.normal?.title).toBe('Alice A.');

    // Restart bob's app with no server reachable: the names come from this device.
    const dir = b.dir;
    await b.close();
    const again = await appDevice('http://127.0.0.1:9', cleanups, { dir });
    expect(await again.app.restore()).toBe(true);
    await waitFor('the list is back', () => again.app.conversations.all().some((r) => r.id === id));
    expect(rowTitle(again, id)).toBe('Alice A.');
  });

  it('HAPP-NAMES-1 a chat opened before the names came gets its title in the header when they do', async () => {
    const alice = uniq('alice');
    const bob = uniq('bob');
    const a = await appDevice(srv.url, cleanups);
    const b = await appDevice(srv.url, cleanups);
    await a.app.register(alice, pw(alice), 'Alice A.');
    await b.app.register(bob, pw(bob), 'Bob B.');
    b.httpDown = true; // bob's sync link works, his name lookups fail
    const started = await a.app.startDirectChat(bob);
    const chatA = await a.app.openChat(started.conversationId, started.title);
    cleanups.push(() => chatA.close());
    await chatA.send('hi bob');
    await waitFor('bob lists the chat', () => b.app.conversations.all().some((r) => r.id === started.conversationId));
    const chatB = await b.app.openChat(started.conversationId);
    cleanups.push(() => chatB.close());
    expect(chatB.title).toBe(`${a.app.userId.slice(0, 8)}…`);
    const titles: string[] = [];
    chatB.onTitleChanged((t) => titles.push(t));
    b.httpDown = false;
    await chatA.send('still there?'); // the list changes: the lookup is tried again
    await waitFor('the header names alice', () => chatB.title === 'Alice A.');
    expect(titles).toEqual(['Alice A.']);
  });

  it('HAPP-NAMES-1 group bubbles from others carry the author name; own bubbles and direct chats do not', async () => {
    const { a, b, chatA, chatB } = await directChat();
    const carolName = uniq('carol');
    const c = await appDevice(srv.url, cleanups);
    await c.app.register(carolName, pw(carolName), '卡罗尔');
    const groupId = await a.app.client.createConversation({ kind: 'group', members: [b.app.userId, c.app.userId], title: 'Trip' });
    await waitFor('carol lists the group', () => c.app.conversations.all().some((r) => r.id === groupId));
    expect(rowTitle(c, groupId)).toBe('Trip');
    const chatC = await c.app.openChat(groupId);
    cleanups.push(() => chatC.close());
    await chatC.send('hi all');
    const groupA = await a.app.openChat(groupId);
    cleanups.push(() => groupA.close());
    await groupA.send('hello carol');
    await waitFor('alice sees both', () => groupA.rows.all().length === 2);
    await waitFor('carol named', () => groupA.rows.all().find((r) => r.text === 'hi all')?.authorName === '卡罗尔');
    expect(groupA.rows.all().find((r) => r.text === 'hello carol')?.authorName).toBe('');
    // In the direct chat the header says who: no names on bubbles.
    await waitFor('bob sees first', () => chatB.rows.all().some((r) => r.text === 'first'));
    expect(chatB.rows.all().map((r) => r.authorName)).toEqual(['']);
    expect(chatA.rows.all().map((r) => r.authorName)).toEqual(['']);
  });
});
