/**
 * Attachments between two users against a real sync-server (SPEC.md §9 WEB-ATTACH-1): an image and a file picked
 * with the composer's Attach button, shown and downloaded on the other side, labelled in the list; an upload held
 * back shows "waiting for upload" until the bytes reach the server.
 */
import { readFile } from 'node:fs/promises';
import type { Browser, Locator, Route } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ensureBuilt } from './helpers/build.js';
import {
  conversationRow,
  launchBrowser,
  openChat,
  openDevice,
  register,
  screenshot,
  screenshotAll,
  send,
  startDirectChat,
  type Device,
} from './helpers/browser.js';
import { E2eServer } from './helpers/server.js';
import { png } from './helpers/images.js';

const srv = new E2eServer();
let browser: Browser;
let erin: Device;
let frank: Device;

beforeAll(async () => {
  await ensureBuilt();
  await srv.start();
  browser = await launchBrowser();
  erin = await openDevice(browser, srv.url, 'erin');
  frank = await openDevice(browser, srv.url, 'frank');
  // Playwright turns file chooser interception on asynchronously when the first listener is added: a listener
  // added right before the Enter that opens the chooser can lose the race, and the headless chooser is then
  // cancelled unseen. One listener for the whole run keeps interception on from here.
  for (const d of [erin, frank]) d.page.on('filechooser', () => undefined);
}, 180_000);

afterEach(async (ctx) => {
  if (ctx.task.result?.state === 'fail') await screenshotAll([erin, frank], `FAILED-attach-${ctx.task.name.slice(1, 14)}`);
});

afterAll(async () => {
  await browser?.close();
  await srv.dispose();
});

/**
 * Picks files through the composer's Attach button by keyboard alone: from the message box one Shift+Tab back to
 * the button, Enter opens the file chooser.
 */
async function attach(d: Device, files: { name: string; mimeType: string; buffer: Buffer }[]): Promise<void> {
  await d.page.getByLabel('Message', { exact: true }).focus();
  await d.page.keyboard.press('Shift+Tab');
  await d.page.getByRole('button', { name: 'Attach a file' }).and(d.page.locator(':focus')).waitFor();
  const [chooser] = await Promise.all([d.page.waitForEvent('filechooser'), d.page.keyboard.press('Enter')]);
  await chooser.setFiles(files);
}

function image(d: Device, name: string): Locator {
  return d.page.locator('li.msg img').and(d.page.getByAltText(name, { exact: true }));
}

/** Waits until the image is decoded: it has pixels, not just an element. */
async function expectDecoded(d: Device, name: string): Promise<void> {
  const img = image(d, name);
  await img.waitFor();
  await d.page.waitForFunction((el) => el instanceof HTMLImageElement && el.complete && el.naturalWidth > 0, await img.elementHandle(), { timeout: 15_000 });
  expect(await img.evaluate((el) => (el as HTMLImageElement).naturalWidth)).toBe(48);
}

function fileAttachment(d: Device, name: string): Locator {
  return d.page.locator('li.msg [data-testid="attachment"]').filter({ has: d.page.locator('.file-name', { hasText: name }) });
}

const DOT = png(48, 32, [200, 30, 30]);
const NOTES = Buffer.from('meeting notes\n- bring the attachments\n', 'utf8');

describe('web client, attachments', () => {
  it('[WEB-ATTACH-1] an image and a file picked with Attach: shown, downloadable and labelled in the list on the other side', async () => {
    await register(erin, 'erin', 'Erin');
    await register(frank, 'frank', 'Frank');
    await startDirectChat(erin, 'frank');
    await send(erin, 'two things coming');

    await attach(erin, [{ name: 'dot.png', mimeType: 'image/png', buffer: DOT }]);
    // The sender sees it at once, from its own copy.
    await expectDecoded(erin, 'dot.png');
    await conversationRow(erin, 'Frank').locator('.preview', { hasText: 'You: [Image] dot.png' }).waitFor();

    await attach(erin, [{ name: 'notes.txt', mimeType: 'text/plain', buffer: NOTES }]);
    await fileAttachment(erin, 'notes.txt').waitFor();
    expect(await fileAttachment(erin, 'notes.txt').locator('.file-size').textContent()).toBe(`${NOTES.length} B`);

    // The other side: labelled in the list before the chat is opened, then shown.
    await conversationRow(frank, 'Erin').locator('.preview', { hasText: /^\[File\] notes\.txt$/ }).waitFor();
    await openChat(frank, 'Erin');
    await expectDecoded(frank, 'dot.png');
    const file = fileAttachment(frank, 'notes.txt');
    await file.waitFor();
    expect(await file.locator('.file-size').textContent()).toBe(`${NOTES.length} B`);
    await screenshot(frank, 'attach-01-frank-image-and-file');

    // The file downloads under its name with its bytes.
    const [download] = await Promise.all([frank.page.waitForEvent('download'), file.getByRole('button', { name: /^Download notes\.txt/ }).click()]);
    expect(download.suggestedFilename()).toBe('notes.txt');
    expect(await readFile(await download.path())).toEqual(NOTES);
    expect([...erin.errors, ...frank.errors]).toEqual([]);
  }, 90_000);

  it('[WEB-ATTACH-1] while the upload has not reached the server the other side waits, then shows the image without a reload', async () => {
    // Hold Erin's uploads: the message syncs over the socket at once, its bytes stay on her device.
    const held: Route[] = [];
    const pattern = '**/v1/conversations/*/blobs/*';
    await erin.context.route(pattern, (route) => {
      if (route.request().method() === 'PUT') held.push(route);
      else void route.continue();
    });
    await attach(erin, [{ name: 'later.png', mimeType: 'image/png', buffer: png(48, 20, [30, 30, 200]) }]);
    await expectDecoded(erin, 'later.png');

    const waiting = frank.page.locator('li.msg [data-testid="attachment"][data-state="waiting"]', { hasText: 'waiting for upload' });
    await waiting.waitFor();
    expect(await image(frank, 'later.png').count()).toBe(0);
    await screenshot(frank, 'attach-02-frank-waiting-for-upload');
    expect(held.length).toBeGreaterThan(0);

    // Released before the route goes (unrouting first would settle the held requests itself).
    for (const route of held) await route.continue();
    await erin.context.unroute(pattern);
    // Frank's bubble retries on its own timer (3 s, then longer) and shows the image.
    await expectDecoded(frank, 'later.png');
    await waiting.waitFor({ state: 'detached' });
    expect([...erin.errors, ...frank.errors]).toEqual([]);
  }, 60_000);

  it('[ATTACH-4] [WEB-SERVE-7] an SVG sent as an image and an HTML file never run in the app: offered as opaque downloads, under a strict CSP', async () => {
    // What the red team sent: script in an "image" and in a file, meant to be opened in the app's origin.
    const svg = Buffer.from('<svg xmlns="http://www.w3.org/2000/svg"><script>window.parent.pwned = localStorage.length</script></svg>');
    const html = Buffer.from('<!doctype html><script>window.opener && (window.opener.pwned = 1)</script><p>hi</p>');
    // The type of every object URL Frank's app makes from now on.
    await frank.page.evaluate(() => {
      const types: string[] = [];
      (window as unknown as { blobTypes: string[] }).blobTypes = types;
      const make = URL.createObjectURL.bind(URL);
      URL.createObjectURL = (o: Blob | MediaSource) => {
        if (o instanceof Blob) types.push(o.type);
        return make(o);
      };
    });
    await attach(erin, [{ name: 'evil.svg', mimeType: 'image/svg+xml', buffer: svg }]);
    // The Attach button is disabled (and skipped by Tab) until the first pick is stored and sent.
    await erin.page.getByRole('button', { name: 'Attach a file' }).and(erin.page.locator(':enabled')).waitFor();
    await attach(erin, [{ name: 'page.html', mimeType: 'text/html', buffer: html }]);

    for (const [name, bytes] of [['evil.svg', svg], ['page.html', html]] as const) {
      const file = fileAttachment(frank, name);
      await file.waitFor();
      expect(await image(frank, name).count()).toBe(0);
      const [download] = await Promise.all([frank.page.waitForEvent('download'), file.getByRole('button', { name: new RegExp(`^Download ${name.replace('.', '\\.')}`) }).click()]);
      expect(download.suggestedFilename()).toBe(name);
      expect(await readFile(await download.path())).toEqual(bytes);
      expect(await file.locator('a.file-link').getAttribute('href')).toMatch(/^blob:/);
    }
    // Every object URL behind those links is opaque bytes: a tab opened on one downloads it, nothing renders.
    const types = await frank.page.evaluate(() => (window as unknown as { blobTypes: string[] }).blobTypes);
    expect(types.length).toBeGreaterThanOrEqual(2);
    expect(new Set(types)).toEqual(new Set(['application/octet-stream']));
    expect(await frank.page.evaluate(() => (window as unknown as { pwned?: unknown }).pwned)).toBeUndefined();
    // The app itself is served under a CSP that allows only its own scripts.
    const csp = await frank.page.evaluate(async () => (await fetch('/')).headers.get('content-security-policy'));
    expect(csp).toContain("script-src 'self'");
    expect([...erin.errors, ...frank.errors]).toEqual([]);
  }, 90_000);
});
