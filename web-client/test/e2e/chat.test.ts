/**
 * Two users in two browser contexts against a real sync-server serving the built web client (SPEC.md §9 WEB-E2E-*).
 * The tests run in order and share the users: chat, then one side offline, then a server restart.
 */
import type { Browser } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ensureBuilt } from './helpers/build.js';
import {
  bubble,
  conversationRow,
  expectConnection,
  expectStatus,
  launchBrowser,
  openChat,
  openDevice,
  register,
  screenshot,
  screenshotAll,
  send,
  shownBodies,
  startDirectChat,
  until,
  type Device,
} from './helpers/browser.js';
import { E2eServer } from './helpers/server.js';

const srv = new E2eServer();
let browser: Browser;
let alice: Device;
let bob: Device;

beforeAll(async () => {
  await ensureBuilt();
  await srv.start();
  browser = await launchBrowser();
  alice = await openDevice(browser, srv.url, 'alice');
  bob = await openDevice(browser, srv.url, 'bob');
}, 180_000);

afterEach(async (ctx) => {
  if (ctx.task.result?.state === 'fail') await screenshotAll([alice, bob], `FAILED-${ctx.task.name.slice(1, 10)}`);
});

afterAll(async () => {
  await browser?.close();
  await srv.dispose();
});

describe('web client, two users', () => {
  it('[WEB-E2E-1] two users register, start a direct chat by username and chat; ticks go to read; typing shows', async () => {
    await register(alice, 'alice', 'Alice');
    await register(bob, 'bob', 'Bob');
    await startDirectChat(alice, 'bob');
    await send(alice, 'Hi Bob! 👋');
    await expectStatus(alice, 'Hi Bob! 👋', 'sent', { orLater: true });

    // Bob's list shows the new chat with an unread badge and a preview, before he opens it.
    const row = conversationRow(bob, 'Alice');
    await row.locator('[data-testid="badge"]', { hasText: '1' }).waitFor();
    expect(await row.locator('.preview').textContent()).toBe('Hi Bob! 👋');
    await screenshot(bob, '01-bob-list-unread');

    await openChat(bob, 'Alice');
    await bubble(bob, 'Hi Bob! 👋').waitFor();
    await row.locator('[data-testid="badge"]').waitFor({ state: 'detached' });
    await expectStatus(alice, 'Hi Bob! 👋', 'read');

    // Typing indicator, then Bob's reply sent with Enter.
    await bob.page.getByLabel('Message', { exact: true }).pressSequentially('Hey');
    await alice.page.getByTestId('typing').filter({ hasText: 'Bob is typing…' }).waitFor();
    await bob.page.getByLabel('Message', { exact: true }).press('Enter');
    await bubble(alice, 'Hey').waitFor();
    await alice.page.getByTestId('typing').filter({ hasText: /^$/ }).waitFor();
    await expectStatus(bob, 'Hey', 'read');
    // A time label (the WeChat rule: today shows the time) above the first message.
    await expect(alice.page.locator('.time-label').first().textContent()).resolves.toMatch(/^\d\d:\d\d$/);
    await screenshot(alice, '02-alice-chat-read');
    await screenshot(bob, '03-bob-chat');
  }, 60_000);

  it('[WEB-E2E-2] offline: sends show `sending`, survive a reload without network, and sync in order to read on return', async () => {
    // The service worker must control the page before the network goes, so the reload can be served from it.
    await alice.page.waitForFunction(() => navigator.serviceWorker.controller !== null, undefined, { timeout: 15_000 });
    await alice.context.setOffline(true);
    await expectConnection(alice, 'offline', 5_000);
    await send(alice, 'offline one');
    await send(alice, 'offline two');
    await expectStatus(alice, 'offline one', 'sending');
    await expectStatus(alice, 'offline two', 'sending');
    await screenshot(alice, '04-alice-offline-sending');

    await alice.page.reload();
    await bubble(alice, 'offline two').waitFor();
    await expectConnection(alice, 'offline');
    expect(await shownBodies(alice)).toEqual(['Hi Bob! 👋', 'Hey', 'offline one', 'offline two']);
    await expectStatus(alice, 'offline one', 'sending');
    await screenshot(alice, '05-alice-reloaded-offline');
    // Nothing reached Bob meanwhile.
    expect(await bubble(bob, 'offline one').count()).toBe(0);

    await alice.context.setOffline(false);
    await expectConnection(alice, 'online');
    await bubble(bob, 'offline two').waitFor();
    expect(await shownBodies(bob)).toEqual(['Hi Bob! 👋', 'Hey', 'offline one', 'offline two']);
    await expectStatus(alice, 'offline one', 'read');
    await expectStatus(alice, 'offline two', 'read');
    await screenshot(alice, '06-alice-back-online-read');
  }, 60_000);

  it('[WEB-E2E-3] the server restarts mid-chat: both notice within seconds, the app reloads while it is down, both recover', async () => {
    await srv.stop();
    await expectConnection(alice, 'not-online', 5_000);
    await expectConnection(bob, 'not-online', 5_000);
    await send(bob, 'while the server is down');
    await expectStatus(bob, 'while the server is down', 'sending');
    // A reload with the server unreachable: the service worker serves the app, IndexedDB the history.
    await bob.page.reload();
    await bubble(bob, 'while the server is down').waitFor();
    await expectConnection(bob, 'not-online');
    await screenshot(bob, '07-bob-server-down-reloaded');

    await srv.start();
    await expectConnection(alice, 'online', 10_000);
    await expectConnection(bob, 'online', 10_000);
    await bubble(alice, 'while the server is down').waitFor();
    await expectStatus(bob, 'while the server is down', 'read');
    await send(alice, 'welcome back');
    await bubble(bob, 'welcome back').waitFor();
    await until('bob sees one order', () => shownBodies(bob), ['Hi Bob! 👋', 'Hey', 'offline one', 'offline two', 'while the server is down', 'welcome back']);
    expect(await shownBodies(alice)).toEqual(await shownBodies(bob));
    await screenshot(alice, '08-alice-after-restart');
    expect([...alice.errors, ...bob.errors]).toEqual([]);
  }, 60_000);
});
