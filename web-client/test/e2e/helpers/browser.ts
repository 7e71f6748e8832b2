/**
 * A local Chromium (findChromium.ts) driven by playwright-core, kept off the network except for the test server. One context per
 * device (its own IndexedDB, service worker and cookies), and small UI steps that wait on selectors with deadlines.
 */
import { waitFor } from '@concord/test-support';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { chromium, type Browser, type BrowserContext, type Locator, type Page } from 'playwright-core';
import { REPO_ROOT } from './build.js';
import { findChromium } from './findChromium.js';

export const ARTIFACTS = join(REPO_ROOT, 'test-artifacts', 'web-e2e');
export const PASSWORD = 'correct-horse-battery';
/** How long a UI expectation may take: sync over a local socket is fast, reconnect backoff is capped at 5 s. */
export const UI_DEADLINE_MS = 15_000;

export function launchBrowser(): Promise<Browser> {
  return chromium.launch({
    executablePath: findChromium(),
    headless: true,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--disable-dev-shm-usage',
    ],
  });
}

export interface Device {
  readonly name: string;
  readonly context: BrowserContext;
  readonly page: Page;
  /** Uncaught page errors and console errors, checked at the end of a test. */
  readonly errors: string[];
}

export async function openDevice(browser: Browser, baseUrl: string, name: string): Promise<Device> {
  const context = await browser.newContext({ baseURL: baseUrl, viewport: { width: 1100, height: 720 } });
  context.setDefaultTimeout(UI_DEADLINE_MS);
  const page = await context.newPage();
  const errors: string[] = [];
  page.on('pageerror', (err) => errors.push(`${name}: ${err.message}`));
  page.on('console', (msg) => {
    // Failed network requests while offline or while the server is down are expected and logged by Chromium.
    if (msg.type() === 'error' && !/ERR_INTERNET_DISCONNECTED|ERR_CONNECTION_REFUSED|WebSocket connection|Failed to load resource|net::/.test(msg.text())) {
      errors.push(`${name}: ${msg.text()}`);
    }
  });
  await page.goto('/');
  return { name, context, page, errors };
}

export async function screenshot(d: Device, file: string): Promise<void> {
  mkdirSync(ARTIFACTS, { recursive: true });
  await d.page.screenshot({ path: join(ARTIFACTS, `${file}.png`) });
}

export async function register(d: Device, username: string, displayName: string): Promise<void> {
  const p = d.page;
  await p.getByRole('button', { name: 'New here? Create an account' }).click();
  await p.getByLabel('Username').fill(username);
  await p.getByLabel('Password').fill(PASSWORD);
  await p.getByLabel('Display name (optional)').fill(displayName);
  await p.getByRole('button', { name: 'Create account' }).click();
  await expectConnection(d, 'online');
}

export async function login(d: Device, username: string): Promise<void> {
  const p = d.page;
  await p.getByLabel('Username').fill(username);
  await p.getByLabel('Password').fill(PASSWORD);
  await p.getByRole('button', { name: 'Log in', exact: true }).click();
  await expectConnection(d, 'online');
}

export async function expectConnection(d: Device, state: 'online' | 'connecting' | 'offline' | 'not-online', timeout = UI_DEADLINE_MS): Promise<void> {
  const sel = state === 'not-online' ? '[data-testid="connection"]:not([data-state="online"])' : `[data-testid="connection"][data-state="${state}"]`;
  await d.page.locator(sel).waitFor({ timeout });
}

export async function startDirectChat(d: Device, username: string): Promise<void> {
  const p = d.page;
  await p.getByRole('link', { name: 'New chat' }).click();
  await p.getByLabel('Username').fill(username);
  await p.getByRole('button', { name: 'Start chat' }).click();
  await p.getByLabel('Message', { exact: true }).waitFor();
}

/** Opens the conversation whose list row has this title. */
export async function openChat(d: Device, title: string): Promise<void> {
  await conversationRow(d, title).getByRole('link').click();
  await d.page.getByRole('heading', { name: title, level: 2 }).waitFor();
}

export function conversationRow(d: Device, title: string): Locator {
  return d.page.locator('.conv-list li').filter({ has: d.page.locator('.conv-title', { hasText: title }) });
}

/** Types into the composer and sends with Enter. */
export async function send(d: Device, text: string): Promise<void> {
  const box = d.page.getByLabel('Message', { exact: true });
  await box.fill(text);
  await box.press('Enter');
  await bubble(d, text).waitFor();
}

export function bubble(d: Device, text: string): Locator {
  return d.page.locator('li.msg').filter({ has: d.page.locator('.body', { hasText: new RegExp(`^${escapeRe(text)}$`) }) });
}

const STATUS_ORDER = ['sending', 'sent', 'delivered', 'read'] as const;
type Status = (typeof STATUS_ORDER)[number] | 'failed';

/** Waits until the message shows `status`, or with `orLater`, that status or any after it. */
export async function expectStatus(d: Device, text: string, status: Status, opts: { orLater?: boolean; timeout?: number } = {}): Promise<void> {
  const accepted = opts.orLater === true && status !== 'failed' ? STATUS_ORDER.slice(STATUS_ORDER.indexOf(status)) : [status];
  const sel = accepted.map((s) => `li.msg[data-status="${s}"]`).join(', ');
  await d.page
    .locator(sel)
    .filter({ has: d.page.locator('.body', { hasText: new RegExp(`^${escapeRe(text)}$`) }) })
    .waitFor({ timeout: opts.timeout ?? UI_DEADLINE_MS });
}

/** Screenshots of every device, named after a failed test, to see what it saw. */
export async function screenshotAll(devices: readonly (Device | undefined)[], prefix: string): Promise<void> {
  for (const d of devices) if (d !== undefined) await screenshot(d, `${prefix}-${d.name}`).catch(() => undefined);
}

/** The bodies of the messages shown, in display order. */
export function shownBodies(d: Device): Promise<string[]> {
  return d.page.locator('li.msg .body').allTextContents();
}

export async function badgeOf(d: Device, title: string): Promise<string | null> {
  const b = conversationRow(d, title).locator('[data-testid="badge"]');
  return (await b.count()) === 0 ? null : b.textContent();
}

/** Waits until `read()` returns `expected` (compared as JSON), failing with the last value after the deadline. */
export function until<T>(what: string, read: () => Promise<T>, expected: T, timeout = UI_DEADLINE_MS): Promise<void> {
  let last: T | undefined;
  const check = async (): Promise<boolean> => JSON.stringify((last = await read())) === JSON.stringify(expected);
  return waitFor(what, check, { timeoutMs: timeout, intervalMs: 100, describe: () => `expected ${JSON.stringify(expected)}, last saw ${JSON.stringify(last)}` });
}

function escapeRe(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
