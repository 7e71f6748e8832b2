/**
 * Typed transaction origins (CONVENTIONS.md): what to persist and what to send is decided from `source`, never
 * from an identity check. `local` is persisted and sent; `remote` (from the server) is persisted, not echoed;
 * `storage` (loading) is neither.
 */
export type Origin = { readonly source: 'local' } | { readonly source: 'remote' } | { readonly source: 'storage' };

export const LOCAL: Origin = Object.freeze({ source: 'local' });
export const REMOTE: Origin = Object.freeze({ source: 'remote' });
export const STORAGE: Origin = Object.freeze({ source: 'storage' });

export function originOf(value: unknown): Origin['source'] | null {
  if (typeof value !== 'object' || value === null || !('source' in value)) return null;
  const s = (value as { source: unknown }).source;
  return s === 'local' || s === 'remote' || s === 'storage' ? s : null;
}
