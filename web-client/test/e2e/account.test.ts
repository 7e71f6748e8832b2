/**
 * Changing the password from the Devices screen (SPEC.md §9 WEB-DEV-2, AUTH-14): one account on two browser
 * contexts; the other device is signed out, the old password stops working and the new one logs in.
 */
import type { Browser } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ensureBuilt } from './helpers/build.js';
import { expectConnection, launchBrowser, login, openDevice, PASSWORD, register, screenshot, screenshotAll, type Device } from './helpers/browser.js';
import { E2eServer } from './helpers/server.js';

const srv = new E2eServer();
let browser: Browser;
let erin1: Device;
let erin2: Device;

const NEW_PASSWORD = 'a-new-longer-passphrase';

beforeAll(async () => {
  await ensureBuilt();
  await srv.start();
  browser = await launchBrowser();
  erin1 = await openDevice(browser, srv.url, 'erin1');
  erin2 = await openDevice(browser, srv.url, 'erin2');
}, 180_000);

afterEach(async (ctx) => {
  if (ctx.task.result?.state === 'fail') await screenshotAll([erin1, erin2], `FAILED-${ctx.task.name.slice(1, 10)}`);
});

afterAll(async () => {
  await browser?.close();
  await srv.dispose();
});

describe('web client, account settings', () => {
  it('[WEB-DEV-2] changing the password on one device signs the other out; only the new password logs in', async () => {
    await register(erin1, 'erin', 'Erin');
    await login(erin2, 'erin');
    const p = erin1.page;
    await p.getByRole('link', { name: 'Devices' }).click();
    await p.locator('.devices li').filter({ hasText: '(this device)' }).waitFor();

    // A wrong current password is refused on the page, and nothing changes.
    await p.getByLabel('Current password').fill('not-my-password');
    await p.getByLabel('New password').fill(NEW_PASSWORD);
    await p.getByRole('button', { name: 'Change password' }).click();
    await p.getByRole('alert').filter({ hasText: /password/i }).waitFor();

    await p.getByLabel('Current password').fill(PASSWORD);
    await p.getByLabel('New password').fill(NEW_PASSWORD);
    expect(await p.getByLabel('Sign out my other devices').isChecked()).toBe(true);
    await p.getByRole('button', { name: 'Change password' }).click();
    await p.getByRole('status').filter({ hasText: 'Password changed. 1 other device signed out.' }).waitFor();
    await screenshot(erin1, 'account-1-password-changed');

    // The other device is told at once and shows the login screen.
    await erin2.page.getByText('This device was logged out').waitFor();
    await erin2.page.getByRole('heading', { name: 'Log in' }).waitFor();
    // The old password no longer works there; the new one does.
    await erin2.page.getByLabel('Username').fill('erin');
    await erin2.page.getByLabel('Password').fill(PASSWORD);
    await erin2.page.getByRole('button', { name: 'Log in', exact: true }).click();
    await erin2.page.getByText(/wrong username or password/i).waitFor();
    await erin2.page.getByLabel('Password').fill(NEW_PASSWORD);
    await erin2.page.getByRole('button', { name: 'Log in', exact: true }).click();
    await expectConnection(erin2, 'online');
    await expectConnection(erin1, 'online');
    expect([...erin1.errors, ...erin2.errors]).toEqual([]);
  }, 90_000);
});
