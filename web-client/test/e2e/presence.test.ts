/**
 * Presence in the web client (WEB-PRES-1, WEB-PRES-2): the chat header says whether the other person is online or
 * when they were last, live; the privacy setting on the Devices page hides it, enforced by the server.
 */
import type { Browser } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ensureBuilt } from './helpers/build.js';
import { launchBrowser, openChat, openDevice, register, screenshotAll, startDirectChat, until, type Device } from './helpers/browser.js';
import { E2eServer } from './helpers/server.js';

const srv = new E2eServer({ presenceGraceMs: 300 });
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
  if (ctx.task.result?.state === 'fail') await screenshotAll([alice, bob], `FAILED-presence-${ctx.task.name.slice(1, 12)}`);
});

afterAll(async () => {
  await browser?.close();
  await srv.dispose();
});

const shown = (d: Device): Promise<string | null> =>
  d.page
    .getByTestId('presence')
    .textContent({ timeout: 200 })
    .catch(() => null);

describe('web presence', () => {
  it('[WEB-PRES-1] the direct chat header shows online, then last seen when the other side closes, then online again', async () => {
    await register(alice, 'alice', 'Alice');
    await register(bob, 'bob', 'Bob');
    await startDirectChat(alice, 'bob');
    await until('bob online', () => shown(alice), 'online');
    await bob.page.close();
    await until('bob last seen', async () => /^last seen today at \d\d:\d\d$/.test((await shown(alice)) ?? ''), true);
    bob = { ...bob, page: await bob.context.newPage() };
    await bob.page.goto('/');
    await until('bob back', () => shown(alice), 'online');
  }, 60_000);

  it('[WEB-PRES-2] choosing Nobody on the Devices page hides online and last seen from the other side', async () => {
    await bob.page.getByRole('link', { name: 'Devices' }).click();
    const select = bob.page.getByLabel("Who sees when I'm online");
    await until('setting loaded', () => select.inputValue(), 'everyone');
    await select.selectOption('nobody');
    await until('hidden', () => shown(alice), null);
    // A reload (a new WELCOME) does not bring it back, and neither does the setting's own page.
    await alice.page.reload();
    await openChat(alice, 'Bob');
    await new Promise((r) => setTimeout(r, 500));
    expect(await shown(alice)).toBeNull();
    await bob.page.reload();
    await until('kept', () => bob.page.getByLabel("Who sees when I'm online").inputValue(), 'nobody');
    await select.selectOption('everyone');
    await until('shown again', () => shown(alice), 'online');
  }, 60_000);
});
