/**
 * One account on two browser contexts (two devices), a second user, groups, pins, the devices list and keyboard use
 * (SPEC.md §9 WEB-E2E-4.., WEB-A11Y-*). The tests run in order and share the users.
 */
import type { Browser } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ensureBuilt } from './helpers/build.js';
import {
  badgeOf,
  bubble,
  conversationRow,
  expectConnection,
  expectStatus,
  launchBrowser,
  login,
  openChat,
  openDevice,
  PASSWORD,
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
let carol1: Device;
let carol2: Device;
let dave: Device;

beforeAll(async () => {
  await ensureBuilt();
  await srv.start();
  browser = await launchBrowser();
  carol1 = await openDevice(browser, srv.url, 'carol1');
  dave = await openDevice(browser, srv.url, 'dave');
}, 180_000);

afterEach(async (ctx) => {
  if (ctx.task.result?.state === 'fail') await screenshotAll([carol1, carol2, dave], `FAILED-${ctx.task.name.slice(1, 10)}`);
});

afterAll(async () => {
  await browser?.close();
  await srv.dispose();
});

/** Names of the conversations in list order. */
function listTitles(d: Device): Promise<string[]> {
  return d.page.locator('.conv-list .conv-title').allTextContents();
}

describe('web client, one account on two devices', () => {
  it('[WEB-A11Y-1] the login form works by keyboard alone, in a sensible focus order, with labelled controls', async () => {
    await register(carol1, 'carol', 'Carol');
    await register(dave, 'dave', 'Dave');
    carol2 = await openDevice(browser, srv.url, 'carol2');
    const p = carol2.page;
    // The username field has focus on load; Tab goes to the password, then to the submit button.
    await p.waitForFunction(() => document.activeElement?.getAttribute('name') === 'username');
    await p.keyboard.type('carol');
    await p.keyboard.press('Tab');
    expect(await p.evaluate(() => document.activeElement?.getAttribute('name'))).toBe('password');
    await p.keyboard.type(PASSWORD);
    await p.keyboard.press('Tab');
    expect(await p.evaluate(() => document.activeElement?.textContent)).toBe('Log in');
    await p.keyboard.press('Enter');
    await expectConnection(carol2, 'online');
    expect(await unlabelled(carol2)).toEqual([]);
  }, 60_000);

  it('[WEB-E2E-4] the same account on a second device sees the same history; reading on one clears the badge on the other', async () => {
    await startDirectChat(dave, 'carol');
    await send(dave, 'first from dave');
    await send(dave, 'second from dave');
    await send(dave, 'third from dave');
    for (const c of [carol1, carol2]) await until(`${c.name} badge`, () => badgeOf(c, 'Dave'), '3');
    await screenshot(carol2, '10-carol2-badge-before-read');

    await openChat(carol1, 'Dave');
    await bubble(carol1, 'third from dave').waitFor();
    // Read on device 1: the count is per account, so device 2's badge goes too.
    await conversationRow(carol2, 'Dave').locator('[data-testid="badge"]').waitFor({ state: 'detached' });
    await expectStatus(dave, 'third from dave', 'read');

    await send(carol1, 'reply from carol1');
    await openChat(carol2, 'Dave');
    await bubble(carol2, 'reply from carol1').waitFor();
    expect(await shownBodies(carol2)).toEqual(['first from dave', 'second from dave', 'third from dave', 'reply from carol1']);
    expect(await shownBodies(carol1)).toEqual(await shownBodies(carol2));
    // Carol's own message written on device 1 is hers on device 2 too, with its status.
    await expectStatus(carol2, 'reply from carol1', 'read');
    expect(await unlabelled(carol2)).toEqual([]);
    await screenshot(carol2, '11-carol2-same-history');
  }, 60_000);

  it('[WEB-E2E-5][MEMBER-1] a group by usernames shows authors; a pin on one device puts the chat first on the other; leaving drops it on both devices', async () => {
    await dave.page.getByRole('link', { name: 'New chat' }).click();
    await dave.page.getByLabel('Group').check();
    await dave.page.getByLabel('Usernames (separated by commas)').fill('carol');
    await dave.page.getByLabel('Group title (optional)').fill('Weekend plans');
    await dave.page.getByRole('button', { name: 'Start chat' }).click();
    await dave.page.getByRole('heading', { name: 'Weekend plans', level: 2 }).waitFor();
    await send(dave, 'hike on Saturday?');
    await until('group first in carol2 list', async () => (await listTitles(carol2))[0], 'Weekend plans');
    await openChat(carol2, 'Weekend plans');
    await bubble(carol2, 'hike on Saturday?').locator('.author', { hasText: 'Dave' }).waitFor();

    // Pin the direct chat on device 1: device 2 lists it first, marked pinned.
    await openChat(carol1, 'Dave');
    await carol1.page.getByRole('button', { name: 'Pin', exact: true }).click();
    await until('pinned first on carol2', () => listTitles(carol2), ['★ Dave', 'Weekend plans']);
    await screenshot(carol2, '12-carol2-group-and-pin');

    // [MEMBER-1] Carol leaves the group on device 2: both her devices drop it; Dave keeps it.
    await openChat(carol2, 'Weekend plans');
    carol2.page.once('dialog', (d) => void d.accept());
    await carol2.page.getByRole('button', { name: 'Leave', exact: true }).click();
    await until('gone on carol2', () => listTitles(carol2), ['★ Dave']);
    await until('gone on carol1', () => listTitles(carol1), ['★ Dave']);
    await until('dave keeps it', async () => (await listTitles(dave)).includes('Weekend plans'), true);
  }, 60_000);

  it('[WEB-DRAFT-1] an unsent message is a draft: listed on both devices, kept across a reload, cleared by sending', async () => {
    const preview = (d: Device): Promise<string | null> => conversationRow(d, 'Dave').locator('.preview').textContent();
    const box = (d: Device) => d.page.getByLabel('Message', { exact: true });
    await openChat(carol1, 'Dave');
    await box(carol1).fill('half a thought');
    for (const c of [carol1, carol2]) await until(`${c.name} lists the draft`, () => preview(c), 'Draft: half a thought');
    await openChat(carol2, 'Dave');
    await until('carol2 composer holds the draft', () => box(carol2).inputValue(), 'half a thought');

    await carol1.page.reload();
    await carol1.page.getByRole('heading', { name: 'Dave', level: 2 }).waitFor();
    await until('the draft survives a reload', () => box(carol1).inputValue(), 'half a thought');
    await screenshot(carol1, '13-carol1-draft-after-reload');

    await box(carol1).press('Enter');
    await expectStatus(carol1, 'half a thought', 'delivered', { orLater: true });
    for (const c of [carol1, carol2]) await until(`${c.name} preview is the message`, () => preview(c), 'You: half a thought');
    await until('carol2 composer cleared', () => box(carol2).inputValue(), '');
  }, 60_000);

  it('[WEB-E2E-6] the devices list logs out another device (it returns to the login screen) and then this one', async () => {
    await carol2.page.getByRole('link', { name: 'Devices' }).click();
    const rows = carol2.page.locator('.devices li');
    await until('two devices', () => rows.count(), 2);
    await rows.filter({ hasText: '(this device)' }).waitFor();
    await screenshot(carol2, '13-carol2-devices');
    await rows.filter({ hasNotText: '(this device)' }).getByRole('button', { name: /^Log out/ }).click();
    await until('one device left', () => rows.count(), 1);

    // The revoked device is told at once (4401) and shows the login screen with a notice.
    await carol1.page.getByText('This device was logged out').waitFor();
    await carol1.page.getByRole('heading', { name: 'Log in' }).waitFor();
    await screenshot(carol1, '14-carol1-logged-out');

    await carol2.page.getByRole('button', { name: 'Log out this device' }).click();
    await carol2.page.getByRole('heading', { name: 'Log in' }).waitFor();
    // Logging back in on the revoked device gets the history from the server again.
    await login(carol1, 'carol');
    await openChat(carol1, 'Dave');
    await bubble(carol1, 'reply from carol1').waitFor();
    expect([...carol1.errors, ...carol2.errors, ...dave.errors]).toEqual([]);
  }, 60_000);
});

/** Form controls and buttons without an accessible name (label, aria-label or text). */
function unlabelled(d: Device): Promise<string[]> {
  return d.page.evaluate(() => {
    const bad: string[] = [];
    for (const el of document.querySelectorAll<HTMLElement>('input, textarea, select, button, a[href]')) {
      const labelled =
        (el.getAttribute('aria-label') ?? '').trim() !== '' ||
        ((el as HTMLInputElement).labels?.length ?? 0) > 0 ||
        (el.getAttribute('aria-labelledby') ?? '') !== '' ||
        (el.textContent ?? '').trim() !== '';
      if (!labelled) bad.push(el.outerHTML.slice(0, 80));
    }
    return bad;
  });
}
