/**
 * Code-unit order, which is IndexedDB's key order and JS's default sort. SQLite's BINARY collation orders
 * UTF-8 bytes, which differs for characters above U+FFFF, so adapters sort names in JS to agree everywhere.
 */
export function compareCodeUnits(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

export function sortedWithPrefix(keys: Iterable<string>, prefix: string | undefined): string[] {
  const out = new Set<string>();
  for (const k of keys) if (prefix === undefined || k.startsWith(prefix)) out.add(k);
  return [...out].sort(compareCodeUnits);
}

/** A view on an engine's buffer as a plain Uint8Array, so callers compare and clone it like any other. */
export function asUint8Array(b: Uint8Array): Uint8Array {
  return b.constructor === Uint8Array ? b : new Uint8Array(b.buffer, b.byteOffset, b.byteLength);
}
