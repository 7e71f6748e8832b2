/*
 * Concord's service worker (WEB-OFFLINE-2): keeps the built app shell so the app opens without a network; the
 * messages themselves are in IndexedDB. Plain JS because it is emitted as is by the build (vite.config.ts fills in
 * the file list and a version derived from it), never bundled with the app.
 *
 * - Hashed files under /assets/ never change: cache first.
 * - Pages (navigations): network first so a new build is picked up at once, the cached app shell (`/`, i.e.
 *   index.html: every route is the same page) when offline.
 * - The API and sockets (/v1/, /healthz) are never cached, attachment blobs (/v1/conversations/:id/blobs/:blobId)
 *   included: they are members-only and client-core keeps its own copy in IndexedDB (ATTACH-2); a shared cache
 *   would outlive a logout or a removal from the conversation (BLOB-3).
 */
const VERSION = '__VERSION__';
const PRECACHE = __PRECACHE__;
const CACHE = `concord-shell-${VERSION}`;

self.addEventListener('install', (event) => {
  event.waitUntil(
    caches
      .open(CACHE)
      .then((cache) => cache.addAll(PRECACHE))
      .then(() => self.skipWaiting()),
  );
});

self.addEventListener('activate', (event) => {
  event.waitUntil(
    caches
      .keys()
      .then((keys) => Promise.all(keys.filter((k) => k.startsWith('concord-shell-') && k !== CACHE).map((k) => caches.delete(k))))
      .then(() => self.clients.claim()),
  );
});

self.addEventListener('fetch', (event) => {
  const req = event.request;
  if (req.method !== 'GET') return;
  const url = new URL(req.url);
  if (url.origin !== self.location.origin) return;
  if (url.pathname.startsWith('/v1/') || url.pathname === '/healthz') return;

  if (req.mode === 'navigate') {
    event.respondWith(
      fetch(req)
        .then((res) => {
          if (res.ok) {
            const copy = res.clone();
            caches.open(CACHE).then((c) => c.put('/', copy));
          }
          return res;
        })
        .catch(() => caches.match('/', { cacheName: CACHE }).then((hit) => hit ?? Response.error())),
    );
    return;
  }

  event.respondWith(
    caches.match(req, { cacheName: CACHE }).then(
      (hit) =>
        hit ??
        fetch(req).then((res) => {
          if (res.ok && url.pathname.startsWith('/assets/')) {
            const copy = res.clone();
            caches.open(CACHE).then((c) => c.put(req, copy));
          }
          return res;
        }),
    ),
  );
});
