/**
 * The chat stays on the newest message (SPEC.md §9 WEB-SCROLL-1): on a small screen an image followed by text leaves
 * the text in view; scrolled up, what arrives is counted on a "jump to latest" button; a chat opened with unread
 * messages marks where they begin. Two users against a real sync-server serving the built web client.
 */
import { waitFor } from '@concord/test-support';
import type { Browser, Locator, Route } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ensureBuilt } from './helpers/build.js';
import { bubble, conversationRow, launchBrowser, openChat, openDevice, register, screenshotAll, send, startDirectChat, type Device } from './helpers/browser.js';
import { E2eServer } from './helpers/server.js';
import { png } from './helpers/images.js';

const srv = new E2eServer();
let browser: Browser;
let gina: Device;
let hank: Device;

beforeAll(async () => {
  await ensureBuilt();
  await srv.start();
  browser = await launchBrowser();
  gina = await openDevice(browser, srv.url, 'gina');
  hank = await openDevice(browser, srv.url, 'hank');
  // A phone-sized window: one tall image fills the whole message list.
  for (const d of [gina, hank]) await d.page.setViewportSize({ width: 420, height: 560 });
}, 180_000);

afterEach(async (ctx) => {
  if (ctx.task.result?.state === 'fail') await screenshotAll([gina, hank], `FAILED-scroll-${ctx.task.name.slice(1, 14)}`);
});

afterAll(async () => {
  await browser?.close();
  await srv.dispose();
});

/** Whether the element is inside the message list's visible box. */
async function inView(d: Device, el: Locator): Promise<boolean> {
  const list = await d.page.locator('ol.messages').boundingBox();
  const box = await el.boundingBox();
  return list !== null && box !== null && box.y >= list.y - 1 && box.y + box.height <= list.y + list.height + 1;
}

/** The page is polled (every Playwright read is a round trip to the browser), 10 s by default. */
const ON_SCREEN = { timeoutMs: 10_000, intervalMs: 100 };

describe('web client, staying on the newest message', () => {
  it('[WEB-SCROLL-1] on a small screen a text sent after a tall image stays in view, also when the image arrives after it', async () => {
    await register(gina, 'gina', 'Gina');
    await register(hank, 'hank', 'Hank');
    await startDirectChat(gina, 'hank');
    await send(gina, 'hello');
    await openChat(hank, 'Gina');
    // Hank's download of the image is held until the text after it is on his screen: then the image grows above it.
    const held: Route[] = [];
    const pattern = '**/v1/conversations/*/blobs/*';
    await hank.context.route(pattern, (route) => {
      if (route.request().method() === 'GET') held.push(route);
      else void route.continue();
    });
    await gina.page.locator('input[type="file"]').setInputFiles([{ name: 'tall.png', mimeType: 'image/png', buffer: png(200, 900, [20, 120, 60]) }]);
    await gina.page.locator('li.msg img').waitFor();
    await send(gina, 'after the image');
    await bubble(hank, 'after the image').waitFor();
    await waitFor('hank asked for the image', async () => held.length > 0, ON_SCREEN);
    for (const route of held) await route.continue();
    await hank.context.unroute(pattern);
    for (const d of [gina, hank]) {
      const text = bubble(d, 'after the image');
      // Once the image has its pixels (it grows then), the newest text must still be on screen.
      await d.page.locator('li.msg img').waitFor();
      await d.page.waitForFunction(() => [...document.querySelectorAll('li.msg img')].every((i) => (i as HTMLImageElement).complete && (i as HTMLImageElement).naturalWidth > 0));
      await waitFor(`${d.name} shows the newest text`, () => inView(d, text), { ...ON_SCREEN, timeoutMs: 3_000 });
    }
    expect([...gina.errors, ...hank.errors]).toEqual([]);
  }, 90_000);

  it('[WEB-SCROLL-1] scrolled up, new messages are counted on a button that jumps to them; one\'s own send brings the view down', async () => {
    // Enough history that the list scrolls whatever the image's shown size.
    for (let i = 0; i < 15; i++) await send(gina, `filler ${i}`);
    await bubble(hank, 'filler 14').waitFor();
    await hank.page.locator('ol.messages').evaluate((el) => {
      el.scrollTop = 0;
      el.dispatchEvent(new Event('scroll'));
    });
    const jump = hank.page.getByTestId('jump-latest');
    await jump.waitFor();
    await send(gina, 'news 1');
    await send(gina, 'news 2');
    await waitFor('the button counts two', async () => (await jump.textContent()) === '2 new messages ↓', ON_SCREEN);
    expect(await inView(hank, bubble(hank, 'news 2'))).toBe(false);
    await jump.click();
    await waitFor('hank sees the newest', () => inView(hank, bubble(hank, 'news 2')), ON_SCREEN);
    await jump.waitFor({ state: 'detached' });
    // Scrolled up again, his own message takes him down.
    await hank.page.locator('ol.messages').evaluate((el) => {
      el.scrollTop = 0;
      el.dispatchEvent(new Event('scroll'));
    });
    await send(hank, 'mine');
    await waitFor('hank sees his own message', () => inView(hank, bubble(hank, 'mine')), ON_SCREEN);
  }, 60_000);

  it('[WEB-SCROLL-1] a chat opened with unread messages marks where they begin', async () => {
    await hank.page.getByRole('button', { name: 'Back to conversations' }).click();
    await conversationRow(hank, 'Gina').waitFor();
    for (const t of ['u1', 'u2', 'u3']) await send(gina, t);
    await waitFor('hank has three unread', async () => (await conversationRow(hank, 'Gina').textContent())?.includes('3') === true, ON_SCREEN);
    await openChat(hank, 'Gina');
    const divider = hank.page.getByTestId('unread-divider');
    await divider.waitFor();
    expect(await divider.textContent()).toBe('3 new messages');
    // It sits right above the first unread message.
    const next = await divider.evaluate((el) => el.nextElementSibling?.querySelector('.body')?.textContent ?? el.nextElementSibling?.nextElementSibling?.querySelector('.body')?.textContent);
    expect(next).toBe('u1');
    expect([...gina.errors, ...hank.errors]).toEqual([]);
  }, 60_000);
});
