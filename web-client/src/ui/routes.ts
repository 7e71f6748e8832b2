/** WEB-ROUTE-1: hash routes, so any path serves the one index.html and a reload keeps the open chat. */
export type Route = { readonly name: 'home' } | { readonly name: 'chat'; readonly id: string } | { readonly name: 'new' } | { readonly name: 'devices' };

export function parseRoute(hash: string): Route {
  const h = hash.replace(/^#\/?/, '');
  if (h.startsWith('c/') && h.length > 2) return { name: 'chat', id: decodeURIComponent(h.slice(2)) };
  if (h === 'new') return { name: 'new' };
  if (h === 'devices') return { name: 'devices' };
  return { name: 'home' };
}

