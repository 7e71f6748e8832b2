/**
 * [BLOB-6] `Range: bytes=…` on blob downloads (RFC 9110 §14): one range of a blob, so a download cut off part-way
 * goes on from where it stopped. Only what a resuming client needs: a single `a-b`, `a-` or `-n` range. Several
 * ranges, another unit, or a malformed header are ignored (the whole blob, 200), as the RFC allows; a range that
 * starts at or beyond the end is 416. `If-Range` with another validator than the blob's ETag also means the whole blob.
 */
export type RangeAnswer =
  | { readonly kind: 'full' }
  | { readonly kind: 'partial'; readonly start: number; readonly end: number }
  | { readonly kind: 'unsatisfiable' };

const FULL: RangeAnswer = { kind: 'full' };
const SINGLE = /^bytes[ \t]*=[ \t]*([0-9]{0,16})[ \t]*-[ \t]*([0-9]{0,16})[ \t]*$/i;

export function parseRange(header: string | undefined, size: number, ifRange: string | undefined, etag: string): RangeAnswer {
  if (header === undefined) return FULL;
  if (ifRange !== undefined && ifRange.trim() !== etag) return FULL;
  const m = SINGLE.exec(header);
  if (m === null) return FULL;
  const [, first = '', last = ''] = m;
  if (first === '') {
    // A suffix: the last n bytes.
    if (last === '') return FULL;
    const n = Number(last);
    if (n === 0) return { kind: 'unsatisfiable' };
    return { kind: 'partial', start: Math.max(0, size - n), end: size - 1 };
  }
  const start = Number(first);
  const end = last === '' ? Infinity : Number(last);
  if (end < start) return FULL;
  if (start >= size) return { kind: 'unsatisfiable' };
  return { kind: 'partial', start, end: Math.min(end, size - 1) };
}
