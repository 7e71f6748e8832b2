/**
 * [SEG-3] Segments are contiguous: a client update that writes anything to segment k >= 1 of a conversation is
 * accepted only when the server holds segment k-1, stored or accepted earlier and queued for the group commit that
 * has not run yet. So "the head is k" implies segments 0..k exist, and no client creates segment 999,999 in one write.
 *
 * The hot path is O(1): whether a segment exists is remembered in memory. Existence is monotonic (a `docs` row is
 * never removed, and by this rule a stored segment k implies a stored k-1), so positive answers never go stale.
 * Accepted-but-unstored segments are trusted until the hub's next group commit (which holds them: the hub queues
 * every accepted update for it, up to `commitIntervalMs` later); then `settle` checks them against storage once, so
 * a group commit that failed leaves no "segment exists" behind. The server's own writes go to segment 0 and user
 * docs only and need no hook.
 */
import { ErrorCode, segmentDocName } from '@concord/protocol';
import type { DecodedUpdate, Refusal, UpdateRule, ValidationContext } from '../sync/validate.js';

/** Whether a doc has stored data (sync/docStore.ts `DocCatalog.exists`). */
export interface SegmentStorage {
  exists(doc: string): boolean;
}

/** Bound on remembered segment docs: past it the memory starts over (answers come from storage again, once each). */
const MAX_KNOWN = 200_000;

export class SegmentGate {
  /** Conversation segment docs known to hold stored data. */
  private readonly known = new Set<string>();
  /** Segment docs accepted since the last group commit and not known to be stored yet. */
  private readonly pending = new Set<string>();

  /** Runs before the trust rule: refuses a write to segment k >= 1 whose segment k-1 the server does not hold. */
  readonly check: UpdateRule;
  /** Runs after every other rule accepted the update: it is queued, so its segment exists until the commit settles. */
  readonly accepted: UpdateRule;

  constructor(private readonly storage: SegmentStorage) {
    this.check = (ctx, update) => this.refusal(ctx, update);
    this.accepted = (ctx, update) => {
      if (ctx.parsed.kind === 'conv' && writesAnything(update)) this.remember(ctx.doc);
      return null;
    };
  }

  private refusal(ctx: ValidationContext, update: DecodedUpdate): Refusal | null {
    const p = ctx.parsed;
    if (p.kind !== 'conv' || p.segment === 0) return null;
    // An empty update stores nothing (the hub drops it); a segment already held had its predecessor when created.
    if (!writesAnything(update) || this.known.has(ctx.doc)) return null;
    const previous = segmentDocName(p.conversationId, p.segment - 1);
    if (this.holds(previous)) return null;
    return {
      code: ErrorCode.SegmentGap,
      message: `SEG-3: segment ${p.segment} needs segment ${p.segment - 1} on the server first (send lower segments first)`,
    };
  }

  /** Whether the server holds the doc: known, accepted for the coming group commit, or stored (asked once, then known). */
  private holds(doc: string): boolean {
    if (this.known.has(doc) || this.pending.has(doc)) return true;
    if (!this.storage.exists(doc)) return false;
    this.know(doc);
    return true;
  }

  private remember(doc: string): void {
    if (this.known.has(doc) || this.pending.has(doc)) return;
    this.pending.add(doc);
  }

  /**
   * Called by the hub after each group commit, stored or failed (`SyncHubOptions.afterFlush`). Every pending doc was
   * queued before the commit and so was in it: what storage now holds is known for good, the rest is forgotten.
   */
  settle(): void {
    for (const doc of this.pending) {
      try {
        if (this.storage.exists(doc)) this.know(doc);
      } catch {
        // No storage answer: forget the doc; a successor's write asks again.
      }
    }
    this.pending.clear();
  }

  private know(doc: string): void {
    if (this.known.size >= MAX_KNOWN) this.known.clear();
    this.known.add(doc);
  }
}

function writesAnything(update: DecodedUpdate): boolean {
  return update.structs.length > 0 || update.ds.clients.size > 0;
}
