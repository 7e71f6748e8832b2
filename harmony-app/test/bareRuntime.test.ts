/*
 * HAPP-BARE-1 (issue 14): the app boots and chats where only what API 12 declares exists. EntryAbility's runtime
 * module graph is evaluated in a fresh vm context without TextEncoder/TextDecoder, queueMicrotask, crypto,
 * structuredClone, fetch, WebSocket, URL, Buffer, process, DOM (test/bareRuntime.ts says what the context has and
 * why), booted through EntryAbility's own lifecycle with the OpenHarmony stand-ins as its native modules, and driven
 * like the pages drive it against the real sync-server on port 0.
 */
import { waitFor as waitForCondition } from '@concord/test-support';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { StandInRelationalStore } from '@concord/storage-adapters/rdb-standin';
import { startServer, type TestServer } from '../../sync-server/test/helpers/server';
import type { ChatSession } from '../entry/src/main/ets/facade/chatSession';
import type { ConcordApp } from '../entry/src/main/ets/facade/ConcordApp';
import type { ChatRow } from '../entry/src/main/ets/facade/rows';
import { APP_KEY, BOOT_ERROR_KEY, NOTIFICATIONS_ENABLED, NOTIFICATIONS_KEY } from '../entry/src/main/ets/pages/keys';
import { evaluateBare, UNDECLARED_GLOBALS, type BareRuntime } from './bareRuntime';
import { StandinWebSocketModule } from './standins/nativeWebSocket';
import { StandinHttpModule } from './standins/http';
import { StandinCryptoFramework } from './standins/cryptoFramework';
import { StandinConnectionModule } from './standins/netConnection';
import { StandinNotificationManager, StandinWantAgentModule } from './standins/notificationManager';
import { standinOhosUtil } from './standins/util';
import { StandinDeviceInfo } from './standins/deviceInfo';
import { StandinFileIo } from './standins/fileIo';
import { StandinHilog } from './standins/hilog';

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

const waitFor = (what: string, pred: () => boolean, ms = 10_000): Promise<void> => waitForCondition(what, pred, ms);

function within<T>(what: string, p: Promise<T>, ms = 10_000): Promise<T> {
  return Promise.race([p, new Promise<never>((_, reject) => setTimeout(() => reject(new Error(`timed out: ${what}`)), ms))]);
}

/** The framework's side of UIAbility: the app reads only `context`. */
class UIAbilityStandin {
  context: object = {};
}

/** Imported by EntryAbility.ets for their types only (esbuild keeps the import; nothing of them is used). */
const TYPE_ONLY = ['@ohos.app.ability.Want', '@ohos.app.ability.AbilityConstant', '@ohos.window', '@ohos.base'];

interface Ability {
  context: object;
  onCreate(want: object, launchParam: object): void;
  onWindowStageCreate(stage: object): void;
}

interface Booted {
  app: ConcordApp;
  rt: BareRuntime;
}

/** One start of the app on the install in `dir`: EntryAbility's lifecycle up to the first page being loaded. */
async function boot(dir: string): Promise<Booted> {
  const net = new StandinConnectionModule();
  net.nets.add(1);
  const hilog = new StandinHilog();
  const natives: Record<string, object> = {
    '@ohos.app.ability.UIAbility': UIAbilityStandin,
    '@ohos.net.webSocket': new StandinWebSocketModule(),
    '@ohos.net.connection': net,
    '@ohos.net.http': new StandinHttpModule(),
    '@ohos.data.relationalStore': new StandInRelationalStore(dir),
    '@ohos.security.cryptoFramework': new StandinCryptoFramework(),
    '@ohos.notificationManager': new StandinNotificationManager(),
    '@ohos.app.ability.wantAgent': new StandinWantAgentModule(),
    '@ohos.util': standinOhosUtil,
    '@ohos.file.fs': new StandinFileIo(),
    '@ohos.hilog': hilog,
    '@ohos.deviceInfo': new StandinDeviceInfo('HUAWEI Test Board', 'RK3568-T', 'OpenHarmony'),
  };
  const rt = await evaluateBare(natives, TYPE_ONLY);
  // The modules were evaluated: none of them may have needed (or installed at load) a global API 12 lacks.
  for (const g of UNDECLARED_GLOBALS) expect(g in rt.global, `global ${g} at module load`).toBe(false);

  const ability = new rt.EntryAbility() as unknown as Ability;
  ability.context = { abilityInfo: { bundleName: 'org.concord.im', name: 'EntryAbility' }, config: { language: 'en' } };
  ability.onCreate({}, {});
  const page = await within(
    'first page loaded',
    new Promise<string>((resolve) =>
      ability.onWindowStageCreate({
        // The window loads the page and then calls back (no error), which is when the app may ask for notifications.
        loadContent: (url: string, done: (err: { code: number } | undefined) => void) => {
          resolve(url);
          setTimeout(() => done(undefined), 0);
        },
      }),
    ),
  );
  expect(page).toBe('pages/Index');
  expect(rt.appStorage.get<string>(BOOT_ERROR_KEY)).toBeUndefined();
  // HAPP-SDK-6: after the page loaded, the notification request ran (the stand-in allows it) and nothing was logged.
  await waitFor('notifications requested', () => rt.appStorage.get<string>(NOTIFICATIONS_KEY) !== undefined);
  expect(rt.appStorage.get<string>(NOTIFICATIONS_KEY)).toBe(NOTIFICATIONS_ENABLED);
  expect(hilog.lines).toEqual([]);
  const app = rt.appStorage.get<ConcordApp>(APP_KEY);
  if (app === undefined) throw new Error('EntryAbility stored no app');
  // What bootstrap installs, and nothing else: the codecs and crypto client-core needs, from @ohos.util/cryptoFramework.
  const installed = UNDECLARED_GLOBALS.filter((g) => g in rt.global).sort();
  expect(installed).toEqual(['TextDecoder', 'TextEncoder', 'crypto']);
  cleanups.push(() => app.client.close());
  return { app, rt };
}

/** Login page, as a user would fill it in on a fresh install: server address, then register. */
async function registerOn(app: ConcordApp, username: string, displayName: string): Promise<void> {
  await app.setServer(srv.url);
  await app.register(username, `password-${username}`, displayName);
}

const texts = (chat: ChatSession): string[] => chat.rows.all().map((r: ChatRow) => r.text);

let n = 0;
const uniq = (s: string) => `${s}${++n}${Date.now() % 100000}`;

describe('HAPP-BARE-1: the runtime graph on API 12 globals only', () => {
  it('HAPP-BARE-1 registers, chats with a second user, and sees the history after a restart', async () => {
    const dirA = mkdtempSync(join(tmpdir(), 'concord-bare-a-'));
    const dirB = mkdtempSync(join(tmpdir(), 'concord-bare-b-'));
    cleanups.push(() => {
      rmSync(dirA, { recursive: true, force: true });
      rmSync(dirB, { recursive: true, force: true });
    });
    const alice = uniq('alice');
    const bob = uniq('bob');

    const a = await boot(dirA);
    expect(await a.app.restore()).toBe(false); // Index: nothing stored yet, so the login page
    await registerOn(a.app, alice, 'Alice');
    const b = await boot(dirB);
    expect(await b.app.restore()).toBe(false);
    await registerOn(b.app, bob, 'Bob');
    // HAPP-DEVICE-1: the install is named after @ohos.deviceInfo's marketName, not a fixed "DAYU200".
    expect((await a.app.devices()).map((d) => d.name)).toEqual(['HUAWEI Test Board']);

    const started = await a.app.startDirectChat(bob);
    const chatA = await a.app.openChat(started.conversationId, started.title);
    cleanups.push(() => chatA.close());
    await chatA.send('hello from a bare runtime');
    await waitFor('bob lists the chat', () => b.app.conversations.all().some((r) => r.id === started.conversationId));
    const chatB = await b.app.openChat(started.conversationId);
    cleanups.push(() => chatB.close());
    await waitFor('bob sees the message', () => texts(chatB).includes('hello from a bare runtime'));
    await chatB.send('and back');
    await waitFor('alice sees the reply', () => texts(chatA).includes('and back'));
    // Receipts (their marks carry base64 clock vectors): bob's chat on screen reads, alice sees it.
    chatB.setVisible(true);
    await waitFor('alice sees read', () => chatA.rows.all().find((r: ChatRow) => r.text === 'hello from a bare runtime')?.status === 'read');

    // Restart alice: the process goes (client closed), the install's files stay, a fresh runtime boots on them.
    chatA.close();
    await a.app.client.close();
    const again = await boot(dirA);
    expect(again.app.server).toBe(srv.url.replace(/\/$/, ''));
    expect(await again.app.restore()).toBe(true); // Index resumes the stored session
    const reopened = await again.app.openChat(started.conversationId);
    cleanups.push(() => reopened.close());
    await waitFor('history after the restart', () => texts(reopened).join('|') === 'hello from a bare runtime|and back');
  });
});
