/**
 * Browser notifications in Chromium with the notification permission granted (WEB-NOTIFY-1..4). The page's real
 * Notification API is used; an init script only records what the app asked it (a wrapper that calls through), and
 * stands in for "the tab is hidden", which a headless browser never is by itself.
 */
import type { Browser } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ensureBuilt } from './helpers/build.js';
import { bubble, launchBrowser, login, openChat, openDevice, register, screenshotAll, send, startDirectChat, until, type Device } from './helpers/browser.js';
import { E2eServer } from './helpers/server.js';

const srv = new E2eServer();
let browser: Browser;
let alice: Device;
let bob: Device;
let bobPhone: Device;

interface Shown {
  readonly title: string;
  readonly body: string;
  readonly tag: string;
  readonly closed: boolean;
}

/** Records each Notification the app creates (and whether it was closed), and lets the test hide the tab. */
const RECORDER = () => {
  const w = window as unknown as { __shown: { n: Notification; closed: boolean }[]; __hidden: boolean; __setHidden(h: boolean): void };
  const Real = window.Notification;
  w.__shown = [];
  w.__hidden = false;
  class Recorded extends Real {
    constructor(title: string, options?: NotificationOptions) {
      super(title, options);
      const entry = { n: this as Notification, closed: false };
      w.__shown.push(entry);
      const close = this.close.bind(this);
      this.close = () => {
        entry.closed = true;
        close();
      };
    }
  }
  Object.defineProperty(window, 'Notification', { value: Recorded, configurable: true, writable: true });
  Object.defineProperty(document, 'visibilityState', { get: () => (w.__hidden ? 'hidden' : 'visible'), configurable: true });
  Object.defineProperty(document, 'hidden', { get: () => w.__hidden, configurable: true });
  document.hasFocus = () => !w.__hidden;
  w.__setHidden = (h: boolean) => {
    w.__hidden = h;
    document.dispatchEvent(new Event('visibilitychange'));
  };
};

async function shown(d: Device): Promise<Shown[]> {
  return d.page.evaluate(() =>
    (window as unknown as { __shown: { n: Notification; closed: boolean }[] }).__shown.map((e) => ({ title: e.n.title, body: e.n.body, tag: e.n.tag, closed: e.closed })),
  );
}
function setHidden(d: Device, hidden: boolean): Promise<void> {
  return d.page.evaluate((h) => (window as unknown as { __setHidden(h: boolean): void }).__setHidden(h), hidden);
}
function favicon(d: Device): Promise<string | null> {
  return d.page.evaluate(() => document.querySelector<HTMLLinkElement>('link[rel="icon"]')?.dataset['unread'] ?? null);
}

beforeAll(async () => {
  await ensureBuilt();
  await srv.start();
  browser = await launchBrowser();
  alice = await openDevice(browser, srv.url, 'alice');
  bob = await openDevice(browser, srv.url, 'bob');
  bobPhone = await openDevice(browser, srv.url, 'bobPhone');
  await bob.context.grantPermissions(['notifications'], { origin: srv.url });
  await bob.context.addInitScript(RECORDER);
  await bob.page.reload();
}, 180_000);

afterEach(async (ctx) => {
  if (ctx.task.result?.state === 'fail') await screenshotAll([alice, bob, bobPhone], `FAILED-notify-${ctx.task.name.slice(1, 14)}`);
});

afterAll(async () => {
  await browser?.close();
  await srv.dispose();
});

describe('web notifications', () => {
  it('[WEB-NOTIFY-1] [WEB-NOTIFY-2] [WEB-NOTIFY-3] [WEB-NOTIFY-4] a hidden tab notifies per chat, counts in title and favicon, and a click opens the chat', async () => {
    await register(alice, 'alice', 'Alice');
    await register(bob, 'bob', 'Bob');
    // Nothing was asked at page load; turning notifications on is the moment (the permission is granted here).
    const toggle = bob.page.getByRole('checkbox', { name: 'Notifications' });
    expect(await toggle.isChecked()).toBe(false);
    await toggle.check();
    await bob.page.getByRole('checkbox', { name: 'Show message text' }).waitFor();

    await startDirectChat(alice, 'bob');
    await send(alice, 'first, while Bob looks at his list');
    // Bob's tab is in the foreground: the list shows the news itself, so no banner.
    await bob.page.locator('.conv-list li', { hasText: 'Alice' }).waitFor();
    expect(await shown(bob)).toEqual([]);

    await setHidden(bob, true);
    await send(alice, 'Are you there?');
    await until('bob notified', async () => (await shown(bob)).map((n) => [n.title, n.body]), [['Alice', 'Are you there?']]);
    const tag = (await shown(bob))[0]?.tag ?? '';
    expect(tag).toMatch(/^concord:/);
    await until('tab title', () => bob.page.title(), '(2) Concord');
    await until('favicon badge', () => favicon(bob), '2');

    // A second message replaces the chat's banner (same tag; the previous one closed), it does not stack.
    await send(alice, 'Hello?');
    await until('replaced', async () => (await shown(bob)).map((n) => [n.body, n.tag, n.closed]), [
      ['Are you there?', tag, true],
      ['Hello?', tag, false],
    ]);

    // Previews off: the banner says who, not what.
    await bob.page.getByRole('checkbox', { name: 'Show message text' }).uncheck();
    await send(alice, 'the secret plan');
    await until('no preview', async () => (await shown(bob)).at(-1)?.body, 'New message');

    // A click brings the chat up; reading it clears the count.
    await setHidden(bob, false);
    await bob.page.evaluate(() => {
      const list = (window as unknown as { __shown: { n: Notification }[] }).__shown;
      list.at(-1)?.n.onclick?.(new Event('click'));
    });
    await bubble(bob, 'the secret plan').waitFor();
    await until('title after reading', () => bob.page.title(), 'Concord');
    await until('favicon after reading', () => favicon(bob), '');
  }, 90_000);

  it('[WEB-NOTIFY-2] reading the chat on another device of the account clears the banner', async () => {
    await bob.page.goto('/#/');
    await setHidden(bob, true);
    await send(alice, 'read me on your phone');
    await until('bob notified again', async () => (await shown(bob)).at(-1)?.body, 'New message');
    await login(bobPhone, 'bob');
    await openChat(bobPhone, 'Alice');
    await bubble(bobPhone, 'read me on your phone').waitFor();
    await until('cleared by the phone', async () => (await shown(bob)).at(-1)?.closed, true);
    await until('title cleared by the phone', () => bob.page.title(), 'Concord');
  }, 60_000);
});
