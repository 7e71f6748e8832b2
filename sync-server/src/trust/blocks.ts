/**
 * [BLOCK-3] A user blocked by the other member of a direct chat writes nothing new into it: every update with new
 * structs (messages, edits, receipts) is refused, whatever the subscription (a socket opened before the block
 * included, as membership is checked per write in TRUST-13). Decided from the `blocks` table at each write.
 */
import type Database from 'better-sqlite3';
import { ErrorCode } from '@concord/protocol';
import type { UpdateRule } from '../sync/validate.js';

export function createBlockRule(db: Database.Database): UpdateRule {
  const blocked = db.prepare<[string, string, string], { one: number }>(
    `SELECT 1 AS one FROM conversations c
       JOIN conversation_members m ON m.conversation_id = c.id AND m.user_id != ?
       JOIN blocks b ON b.user_id = m.user_id AND b.blocked_id = ?
     WHERE c.id = ? AND c.kind = 'direct' LIMIT 1`,
  );
  return (ctx, update) => {
    if (ctx.parsed.kind !== 'conv' || update.structs.length === 0) return null;
    const me = ctx.auth.userId;
    if (blocked.get(me, me, ctx.parsed.conversationId) === undefined) return null;
    // The text does not say "blocked": the refusal is all the blocked side learns.
    return { code: ErrorCode.Forbidden, message: 'BLOCK-3: this conversation does not accept your writes' };
  };
}
