/**
 * The sign-up form states the account rules and explains a broken one before anything is sent (SPEC AUTH-RULES-1):
 * real Chromium against the built web client and a real server.
 */
import type { Browser } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { SIGN_UP_RULES } from '@concord/client-core';
import { ensureBuilt } from './helpers/build.js';
import { expectConnection, launchBrowser, openDevice, PASSWORD, screenshot, screenshotAll, type Device } from './helpers/browser.js';
import { E2eServer } from './helpers/server.js';

const srv = new E2eServer();
let browser: Browser;
let fay: Device;

beforeAll(async () => {
  await ensureBuilt();
  await srv.start();
  browser = await launchBrowser();
  fay = await openDevice(browser, srv.url, 'fay');
}, 180_000);

afterEach(async (ctx) => {
  if (ctx.task.result?.state === 'fail') await screenshotAll([fay], `FAILED-${ctx.task.name.slice(1, 14)}`);
});

afterAll(async () => {
  await browser?.close();
  await srv.dispose();
});

describe('web client, signing up', () => {
  it('[AUTH-RULES-1] the form shows the username and password rules and explains a bad username before it is sent', async () => {
    const p = fay.page;
    const signUps: string[] = [];
    p.on('request', (r) => {
      if (r.method() === 'POST' && new URL(r.url()).pathname === '/v1/accounts') signUps.push(r.url());
    });
    // Logging in shows no rules; signing up shows both, with the limits the server applies.
    expect(await p.getByText(SIGN_UP_RULES.username).count()).toBe(0);
    await p.getByRole('button', { name: 'New here? Create an account' }).click();
    await p.getByText(SIGN_UP_RULES.username).waitFor();
    await p.getByText(SIGN_UP_RULES.password).waitFor();
    expect(SIGN_UP_RULES.username).toContain('3 to 32 characters');
    expect(SIGN_UP_RULES.password).toContain('8 to 256 characters');
    expect(SIGN_UP_RULES.password).toContain('most common passwords');

    // A broken username rule is said while typing.
    await p.getByLabel('Username').fill('fa');
    await p.getByTestId('username-problem').filter({ hasText: 'username must be 3 to 32 characters' }).waitFor();
    await p.getByLabel('Username').fill('fay smith!');
    await p.getByTestId('username-problem').filter({ hasText: 'may contain only a-z, 0-9' }).waitFor();
    await screenshot(fay, 'signup-1-bad-username');

    // Submitting anyway keeps the form and sends nothing.
    await p.getByLabel('Password').fill(PASSWORD);
    await p.getByRole('button', { name: 'Create account' }).click();
    await p.getByRole('alert').filter({ hasText: 'may contain only a-z, 0-9' }).first().waitFor();
    expect(signUps).toEqual([]);

    // A valid name clears the explanation; a common password is the server's to refuse, and its answer is shown.
    await p.getByLabel('Username').fill('Fay');
    expect(await p.getByTestId('username-problem').count()).toBe(0);
    await p.getByLabel('Password').fill('password123');
    await p.getByRole('button', { name: 'Create account' }).click();
    await p.getByRole('alert').filter({ hasText: 'password is one of the most common passwords' }).waitFor();
    expect(signUps).toHaveLength(1);

    await p.getByLabel('Password').fill(PASSWORD);
    await p.getByRole('button', { name: 'Create account' }).click();
    await expectConnection(fay, 'online');
    expect(fay.errors).toEqual([]);
  });
});
