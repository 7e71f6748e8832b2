/**
 * The service worker is plain JS emitted by the build; here it runs in a VM with a fake `self` to check which
 * requests it answers (WEB-OFFLINE-2) and that attachment blobs always go to the server (WEB-ATTACH-1).
 */
import { readFileSync } from 'node:fs';
import { runInNewContext } from 'node:vm';
import { describe, expect, it } from 'vitest';

const SOURCE = readFileSync(new URL('../../src/sw/sw.js', import.meta.url), 'utf8')
  .replace("'__VERSION__'", JSON.stringify('test'))
  .replace('__PRECACHE__', JSON.stringify(['/']));
const ORIGIN = 'http://127.0.0.1:1234';

type Handler = (event: unknown) => void;

function loadWorker(): { fetch: (url: string, init?: { method?: string; mode?: string }) => boolean } {
  const handlers = new Map<string, Handler>();
  const self = { location: { origin: ORIGIN }, addEventListener: (type: string, h: Handler) => handlers.set(type, h) };
  const never = (): Promise<never> => new Promise(() => undefined);
  const caches = { open: never, match: never, keys: never, delete: never };
  runInNewContext(SOURCE, { self, caches, fetch: never, Response: { error: () => null }, URL });
  return {
    /** Whether the worker answers the request itself (else the browser goes to the network untouched). */
    fetch(url, init = {}) {
      let answered = false;
      handlers.get('fetch')!({
        request: { url: new URL(url, ORIGIN).href, method: init.method ?? 'GET', mode: init.mode ?? 'cors' },
        respondWith: () => {
          answered = true;
        },
      });
      return answered;
    },
  };
}

describe('service worker', () => {
  it('[WEB-ATTACH-1] attachment blobs and the rest of the API are never answered from the cache (WEB-OFFLINE-2)', () => {
    const sw = loadWorker();
    const blob = `/v1/conversations/c1/blobs/${'ab'.repeat(32)}`;
    expect(sw.fetch(blob)).toBe(false);
    expect(sw.fetch(blob, { method: 'PUT' })).toBe(false);
    expect(sw.fetch(blob, { method: 'HEAD' })).toBe(false);
    expect(sw.fetch('/v1/conversations')).toBe(false);
    expect(sw.fetch('/healthz')).toBe(false);
    // The app shell still is (the offline reloads of WEB-E2E-2 and WEB-E2E-3 depend on it).
    expect(sw.fetch('/assets/index-abc123.js')).toBe(true);
    expect(sw.fetch('/', { mode: 'navigate' })).toBe(true);
  });
});
