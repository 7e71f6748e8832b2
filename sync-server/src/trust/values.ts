/**
 * Checks of any JSON value a client writes, whatever its root: plain JSON only, and a bound on its size (TRUST-5,
 * TRUST-15). The shapes of each root's values are declared with the root in @concord/protocol (roots.ts,
 * SCHEMA-ROOTS-1). Every check is total: it returns a reason string for a refusal or null, and never throws.
 */

/**
 * [TRUST-15] The bytes one JSON value may take, whatever its fields: a message of 8,000 characters of 3-byte UTF-8 in
 * its body and as long an attachment name is under 50 KB. Without it, padding rode along to every member (60 padded
 * messages added 96 MB of server disk in 2.8 s).
 */
export const MAX_ENTRY_BYTES = 64 * 1024;
/** [TRUST-15] The UTF-8 size of a plain JSON value's encoding over the limit, or null. */
export function entrySizeProblem(value: unknown): string | null {
  const bytes = Buffer.byteLength(JSON.stringify(value) ?? '', 'utf8');
  return bytes > MAX_ENTRY_BYTES ? `entry of ${bytes} bytes exceeds ${MAX_ENTRY_BYTES}` : null;
}

const MAX_JSON_DEPTH = 8;

/**
 * Plain JSON only: null, booleans, finite numbers, strings, arrays and objects whose prototype is Object.prototype.
 * lib0's readAny builds objects with `obj[key] = ...`, so a `__proto__` key in an update arrives as a prototype,
 * which this catches; binary (Uint8Array) and undefined, which ContentAny can carry, are not JSON either.
 */
export function plainJsonProblem(value: unknown, depth = 0): string | null {
  if (depth > MAX_JSON_DEPTH) return 'value nested too deeply';
  if (value === null || typeof value === 'boolean' || typeof value === 'string') return null;
  if (typeof value === 'number') return Number.isFinite(value) ? null : 'non-finite number';
  if (Array.isArray(value)) {
    for (const v of value) {
      const p = plainJsonProblem(v, depth + 1);
      if (p !== null) return p;
    }
    return null;
  }
  if (typeof value === 'object' && Object.getPrototypeOf(value) === Object.prototype) {
    for (const v of Object.values(value as Record<string, unknown>)) {
      const p = plainJsonProblem(v, depth + 1);
      if (p !== null) return p;
    }
    return null;
  }
  return 'not plain JSON';
}
